"""Parsers for one CSV cell each: text in, a Python value out, or ValueError with a reason a user can act on.

An empty cell never reaches a parser; the column decides what empty means (see schema.Column).
"""
import datetime as dt
import decimal
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.timezones import as_shop_aware


def text(max_length):
    def parse(value):
        if len(value) > max_length:
            raise ValueError(f"At most {max_length} characters.")
        return value

    return parse


def email(value):
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError("Not a valid email address.") from None
    return text(254)(value)


_PHONE = re.compile(r"^\+?[0-9 ()\-]{5,31}$")


def phone(value):
    if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 5:
        raise ValueError("Not a phone number: digits, spaces, brackets, dashes and a leading + only.")
    return value


def choice(mapping: dict, *, label="value"):
    """Case-insensitive lookup of a cell in {accepted spelling: stored value}."""

    def parse(value):
        try:
            return mapping[value.lower()]
        except KeyError:
            allowed = ", ".join(sorted({key for key in mapping if key}))
            raise ValueError(f"Unknown {label}; expected one of: {allowed}.") from None

    return parse


def date(value):
    """ISO 8601 (2024-01-31) or its basic form (20240131)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("Not a date; expected YYYY-MM-DD or YYYYMMDD.") from None


def timestamp(value):
    """ISO 8601 with `T` or a space, or a bare date (midnight); without a zone it is the shop's local time."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Not a date and time; expected ISO 8601, YYYY-MM-DD HH:MM:SS or YYYYMMDD.") from None
    return as_shop_aware(parsed)


def money(*, places=2, max_digits=12, minimum=decimal.Decimal("0"), strictly_positive=False):
    """A Decimal with at most `places` decimals; a decimal comma is accepted, rounding never happens."""

    def parse(value):
        normalised = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
        try:
            number = decimal.Decimal(normalised)
        except decimal.InvalidOperation:
            raise ValueError("Not a number.") from None
        if not number.is_finite():
            raise ValueError("Not a number.")
        if strictly_positive and number <= 0:
            raise ValueError("Must be greater than zero.")
        if number < minimum:
            raise ValueError(f"Must not be less than {minimum}.")
        if abs(number) >= decimal.Decimal(10) ** (max_digits - places):
            raise ValueError("Too large.")
        if number != number.quantize(decimal.Decimal(1).scaleb(-places)):
            raise ValueError(f"At most {places} decimal places.")
        return number

    return parse


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def currency(value):
    if not _CURRENCY.match(value):
        raise ValueError("Expected a 3-letter ISO 4217 code in capitals, e.g. RUB.")
    return value
