"""Money as people read it: grouped digits, the locale's separators and the currency's sign."""
from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "KZT": "₸", "BYN": "Br"}


def money_format(amount, currency: str | None = None) -> str:
    """`105433.83` as `105 433,83 ₽` in Russian and `₽105,433.83` in English (the active language's
    separators, two decimal places, the sign of `currency` or of settings.SHOP_CURRENCY; an unknown code is
    written out). None gives an empty string."""
    if amount is None or amount == "":
        return ""
    currency = (currency or settings.SHOP_CURRENCY).upper()
    number = formats.number_format(Decimal(str(amount)), decimal_pos=2, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get(currency)
    if sign is None:
        return f"{number}\xa0{currency}"
    if (translation.get_language() or settings.LANGUAGE_CODE).startswith("en"):
        return f"-{sign}{number[1:]}" if number.startswith("-") else f"{sign}{number}"
    return f"{number}\xa0{sign}"
