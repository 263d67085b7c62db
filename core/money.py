"""Money as people read it: grouped digits, the locale's separators and the currency's sign."""
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import formats, translation

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "KZT": "₸", "BYN": "Br"}


def currency_sign(currency: str | None = None) -> str:
    """The sign of `currency` or of settings.SHOP_CURRENCY (`₽`), or the code itself when it has none."""
    currency = (currency or settings.SHOP_CURRENCY).upper()
    return CURRENCY_SIGNS.get(currency, currency)


def money_format(amount, currency: str | None = None, *, places: int | None = 2) -> str:
    """`105433.83` as `105 433,83 ₽` in Russian and `₽105,433.83` in English (the active language's
    separators, `places` decimal places rounded half up, the sign of `currency` or of settings.SHOP_CURRENCY;
    an unknown code is written out). `places=None`: `5 000 ₽` for a whole amount, `4 999,50 ₽` otherwise.
    None gives an empty string."""
    if amount is None or amount == "":
        return ""
    currency = (currency or settings.SHOP_CURRENCY).upper()
    amount = Decimal(str(amount))
    if places is None:
        places = 0 if amount == amount.to_integral_value() else 2
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = formats.number_format(rounded, decimal_pos=places, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get(currency)
    if sign is None:
        return f"{number}\xa0{currency}"
    if (translation.get_language() or settings.LANGUAGE_CODE).startswith("en"):
        return f"-{sign}{number[1:]}" if number.startswith("-") else f"{sign}{number}"
    return f"{number}\xa0{sign}"
