"""Numbers as people type and paste them: `5 000`, `5 000` (no-break space), `5000,50`, `5 000 ₽`, `70 %`.

One reader for every place a person types a number (imports' cells, the segment builder), so a value that
one accepts the other accepts too.
"""
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

_SPACES = " \u00a0\u202f\u2009"  # spaces, no-break spaces and thin spaces, as Russian text groups thousands
_BLANKS = str.maketrans("", "", _SPACES)
_GROUPED = re.compile(rf"^[+-]?\d{{1,3}}([{_SPACES}]\d{{3}})+([.,]\d+)?$")
# A currency or percent mark after the number: `5 000 ₽`, `5000 руб.`, `5 000 р.`, `100 RUB`, `70 %`.
_UNIT = re.compile(rf"[{_SPACES}]*(₽|руб(?:лей|ля|ль)?\.?|р\.?|rub|%)$", re.IGNORECASE)


def decimal_text(value: str) -> str:
    """A number as a spreadsheet writes it, in the form Decimal reads: `1 234,50` (spaces or no-break spaces
    between groups of three, a decimal comma) is `1234.50`. Raises ValueError for anything else."""
    text = value
    if any(ch in text for ch in _SPACES):
        if not _GROUPED.match(text):
            raise ValueError(_("Not a number."))
        text = text.translate(_BLANKS)
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return text


def number_parse(value) -> Decimal:
    """A finite Decimal from a number or from text as a person types it (`5 000 ₽`, `4 999,50`, `0,7`).

    A trailing ₽ / руб. / р. / RUB or % is dropped (the caller knows the unit). Raises ValueError for anything
    that is not one number: `5 000 000 0`, `5к`, `1,2,3`, `NaN`, booleans.
    """
    if isinstance(value, bool):
        raise ValueError(_("Not a number."))
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = _UNIT.sub("", value.strip(_SPACES)).strip(_SPACES)
        try:
            number = Decimal(decimal_text(text))
        except InvalidOperation:
            raise ValueError(_("Not a number.")) from None
    else:
        raise ValueError(_("Not a number."))
    if not number.is_finite():
        raise ValueError(_("Not a number."))
    return number
