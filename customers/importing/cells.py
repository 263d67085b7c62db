"""Parsers for one CSV cell each: text in, a Python value out, or ValueError with a reason a user can act on.

An empty cell never reaches a parser; the column decides what empty means (see schema.Column).
"""
import datetime as dt
import decimal
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.numbers import decimal_text
from core.timezones import as_shop_aware
from customers.phones import PhoneInvalid, phone_normalise

from . import sql_cells


def text(max_length):
    def parse(value):
        if len(value) > max_length:
            raise ValueError(_("At most %(count)s characters.") % {"count": max_length})
        return value

    parse.sql = sql_cells.text_cell(max_length)
    return parse


def email(value):
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(_("Not a valid email address.")) from None
    return text(254)(value)


def phone(value):
    """Any form the shop's region dials, stored in E.164 (customers.phones); not a valid number is a bad row."""
    try:
        return phone_normalise(value)
    except PhoneInvalid:
        raise ValueError(
            _("Not a valid phone number (read in region %(region)s; e.g. +79990001122 or 8 999 000-11-22).")
            % {"region": settings.SHOP_PHONE_REGION}
        ) from None


def choice(mapping: dict, *, label="value"):
    """Case-insensitive lookup of a cell in {accepted spelling: stored value}."""

    def parse(value):
        try:
            return mapping[value.lower()]
        except KeyError:
            allowed = ", ".join(sorted({key for key in mapping if key}))
            raise ValueError(_("Unknown %(label)s; expected one of: %(allowed)s.") % {"label": label, "allowed": allowed}) from None

    parse.sql = sql_cells.choice_cell(mapping)
    return parse


_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DOTTED_TIMESTAMP = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _dotted_date(value):
    """DD.MM.YYYY, as Russian spreadsheets write dates; None when `value` is not in that shape."""
    match = _DOTTED_DATE.match(value)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)  # ValueError for 31.02.2024


def date(value):
    """ISO 8601 (2024-01-31), its basic form (20240131) or DD.MM.YYYY (31.01.2024)."""
    try:
        return _dotted_date(value) or dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("Not a date; expected YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY.")) from None


def timestamp(value):
    """ISO 8601 with `T` or a space, DD.MM.YYYY[ HH:MM[:SS]], or a bare date (midnight); without a zone it is
    the shop's local time."""
    try:
        match = _DOTTED_TIMESTAMP.match(value)
        if match:
            day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
            parsed = dt.datetime(year, month, day, hour, minute, second)
        else:
            dotted = _dotted_date(value)
            parsed = dt.datetime.combine(dotted, dt.time()) if dotted else dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("Not a date and time; expected ISO 8601, YYYY-MM-DD HH:MM:SS, DD.MM.YYYY HH:MM or a date.")
        ) from None
    return as_shop_aware(parsed)


timestamp.sql = sql_cells.timestamp_cell()


def money(*, places=2, max_digits=12, minimum=decimal.Decimal("0"), strictly_positive=False):
    """A Decimal with at most `places` decimals; a decimal comma and spaced thousands (`1 234,50`) are
    accepted, rounding never happens."""

    def parse(value):
        try:
            number = decimal.Decimal(decimal_text(value))
        except decimal.InvalidOperation:
            raise ValueError(_("Not a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Not a number."))
        if strictly_positive and number <= 0:
            raise ValueError(_("Must be greater than zero."))
        if number < minimum:
            raise ValueError(_("Must not be less than %(minimum)s.") % {"minimum": minimum})
        if abs(number) >= decimal.Decimal(10) ** (max_digits - places):
            raise ValueError(_("Too large."))
        if number != number.quantize(decimal.Decimal(1).scaleb(-places)):
            raise ValueError(_("At most %(places)s decimal places.") % {"places": places})
        return number

    parse.sql = sql_cells.money_cell(places=places, max_digits=max_digits, minimum=minimum,
                                     strictly_positive=strictly_positive)
    return parse


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def currency(value):
    if not _CURRENCY.match(value):
        raise ValueError(_("Expected a 3-letter ISO 4217 code in capitals, e.g. RUB."))
    return value


currency.sql = sql_cells.currency_cell()
