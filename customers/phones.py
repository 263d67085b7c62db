"""Phone numbers: every phone that enters the platform goes through `phone_normalise` and is stored in E.164.

The shop's default region (settings.SHOP_PHONE_REGION, e.g. RU) reads national forms: with region RU,
`8 (999) 000-11-22`, `+7 999 000 11 22`, `89990001122` and `9990001122` are all `+79990001122`.
"""
import functools
import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _


class PhoneInvalid(ValueError):
    """Not a valid phone number; the message says so to the person who typed it."""


def phone_normalise(value: str, *, region: str | None = None) -> str:
    """The number `value` names, in E.164 (`+79990001122`); "" for a blank value.

    Raises PhoneInvalid when the text is not a number that can be dialled in `region` (default
    settings.SHOP_PHONE_REGION) or internationally, so a wrong number is refused, never kept as typed.
    """
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > 40:
        raise PhoneInvalid(_("Not a valid phone number."))
    fast = _e164_in_region(text, region or settings.SHOP_PHONE_REGION)
    if fast:
        return fast
    try:
        number = phonenumbers.parse(text, region or settings.SHOP_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(_("Not a valid phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid(_("Not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_INTERNATIONAL = re.compile(r"^\+\d[\d ()-]{5,20}$")
_SEPARATORS = re.compile(r"[ ()-]")


@functools.lru_cache(maxsize=64)
def _region_prefixes(region: str) -> tuple[str, re.Pattern | None] | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    national_prefix = metadata.national_prefix_for_parsing
    return str(metadata.country_code), re.compile(national_prefix) if national_prefix else None


def _e164_in_region(text: str, region: str) -> str | None:
    """`phone_normalise`'s answer without phonenumbers.parse for the commonest import form, `+<the region's country
    code><national number>` with spaces, dashes or brackets (a fifth of parse's time: imports read millions).

    Exact, or None to take the general path: only when the national number cannot be read another way by parse
    (no leading 0, no national prefix to strip), and the number is valid by the same metadata."""
    if not _INTERNATIONAL.match(text):
        return None
    prefixes = _region_prefixes(region)
    if prefixes is None:
        return None
    country_code, national_prefix = prefixes
    digits = _SEPARATORS.sub("", text)[1:]
    national = digits[len(country_code):]
    if (not digits.startswith(country_code) or not national or national[0] == "0"
            or (national_prefix is not None and national_prefix.match(national))):
        return None
    number = phonenumbers.PhoneNumber(country_code=int(country_code), national_number=int(national))
    return f"+{digits}" if phonenumbers.is_valid_number(number) else None


def phone_or_none(value: str) -> str | None:
    """The E.164 form of `value`, or None when it is not a valid phone number (for searches, which try it)."""
    try:
        return phone_normalise(value) or None
    except PhoneInvalid:
        return None


def phone_display(value: str) -> str:
    """An E.164 number as people dial it (`+7 999 000-11-22`); a value that is not a number, as it is."""
    try:
        number = phonenumbers.parse(value or "", None)
    except phonenumbers.NumberParseException:
        return value or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
