"""SQL counterparts of the cell parsers in `cells`, so PostgreSQL can clean a large batch of raw text itself.

Each counterpart accepts only cells it converts exactly as its Python parser would: the shapes files usually hold
(`2024-03-01 10:00:00`, `01.03.2024`, `1234,50`, `completed`). Any other cell, good or bad, sends its row to the
Python parser (`sql_cleaning`), which converts it or names the reason. So the two paths store the same values and
report a bad row in the same words, and the SQL here never has to say why a cell is wrong.

Expressions are SQL text over `{p}`: the stripped, non-empty cell (or what `prepare` made of `{v}`, the stripped
cell), put in by plain replacement. They never raise: a query that fails on one cell would fail the whole batch.
"""
from dataclasses import dataclass

# What Python's str.strip() removes: every character whose str.isspace() is true.
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass(frozen=True)
class SqlCell:
    sql_type: str
    accepts: str  # boolean over {p}; NULL counts as false
    value: str  # the converted value over {p}; evaluated only where `accepts` holds
    prepare: str = "{v}"  # computed once per cell from the stripped text {v}, e.g. a regex's groups


def text_cell(max_length: int) -> SqlCell:
    return SqlCell("text", f"length({{p}}) <= {max_length}", "{p}")


def choice_cell(mapping: dict) -> SqlCell:
    # Only plain ASCII words: Python's and PostgreSQL's lower() may differ on other letters.
    plain = {key: value for key, value in mapping.items() if key and key.isascii() and key.replace("_", "").isalnum()}
    keys = ", ".join(_literal(key) for key in plain)
    cases = " ".join(f"WHEN {_literal(key)} THEN {_literal(value)}" for key, value in plain.items())
    if not plain:
        return SqlCell("text", "false", "NULL")
    return SqlCell("text", f"{{p}} ~ '^[A-Za-z0-9_]+$' AND lower({{p}}) IN ({keys})", f"CASE lower({{p}}) {cases} END")


def currency_cell() -> SqlCell:
    return SqlCell("text", "{p} ~ '^[A-Z]{3}$'", "{p}")


def money_cell(*, places: int, max_digits: int, minimum, strictly_positive: bool) -> SqlCell:
    # Digits, then a point or a comma and at most `places` decimals: never negative, never too large, exact.
    number = "replace({p}, ',', '.')::numeric"
    fraction = f"([.,][0-9]{{1,{places}}})?" if places else ""
    accepts = f"{{p}} ~ '^[0-9]{{1,{max_digits - places}}}{fraction}$'"
    if strictly_positive:
        accepts += f" AND {number} > 0"
    if minimum > 0:
        accepts += f" AND {number} >= {minimum}"
    return SqlCell("numeric", accepts, number)


# Year, month, day, hour, minute, second as whole numbers, from a `~` match and fixed positions: a regex with
# capture groups costs PostgreSQL about twenty times as much.
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
_DOTTED = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?$"
_DOTTED_TIME = "substr(split_part({v}, '.', 3), 6)"
_TIMESTAMP_PARTS = f"""CASE
    WHEN {{v}} ~ '{_ISO}' THEN ARRAY[substr({{v}}, 1, 4), substr({{v}}, 6, 2), substr({{v}}, 9, 2),
        nullif(substr({{v}}, 12, 2), ''), nullif(substr({{v}}, 15, 2), ''), nullif(substr({{v}}, 18, 2), '')]::int[]
    WHEN {{v}} ~ '{_DOTTED}' THEN ARRAY[left(split_part({{v}}, '.', 3), 4), split_part({{v}}, '.', 2),
        split_part({{v}}, '.', 1), nullif(split_part({_DOTTED_TIME}, ':', 1), ''),
        nullif(split_part({_DOTTED_TIME}, ':', 2), ''), nullif(split_part({_DOTTED_TIME}, ':', 3), '')]::int[]
    WHEN {{v}} ~ '^[0-9]{{8}}$' THEN ARRAY[substr({{v}}, 1, 4), substr({{v}}, 5, 2), substr({{v}}, 7, 2)]::int[]
END"""
_YEAR, _MONTH, _DAY = "{p}[1]", "{p}[2]", "{p}[3]"
_HOUR, _MINUTE, _SECOND = "coalesce({p}[4], 0)", "coalesce({p}[5], 0)", "coalesce({p}[6], 0)"
_LEAP_DAY = f"CASE WHEN {_MONTH} = 2 AND mod({_YEAR}, 4) = 0 AND (mod({_YEAR}, 100) <> 0 OR mod({_YEAR}, 400) = 0) THEN 1 ELSE 0 END"
_DAYS_IN_MONTH = f"(ARRAY[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[{_MONTH}] + {_LEAP_DAY}"


def timestamp_cell() -> SqlCell:
    """A naive time in the shop's zone (the `shop_zone` parameter), as `cells.timestamp` reads it. Cells with an
    offset, fractions of a second or another ISO form go to Python, and so do local times within three hours of a
    change of the zone's offset: Python reads an ambiguous hour as the earlier one, PostgreSQL as the later."""
    local = f"make_timestamp({_YEAR}, {_MONTH}, {_DAY}, {_HOUR}, {_MINUTE}, {_SECOND})"
    instant = f"{local} AT TIME ZONE %(shop_zone)s"
    in_range = (
        f"{{p}} IS NOT NULL AND {_YEAR} >= 1 AND {_MONTH} BETWEEN 1 AND 12 AND {_DAY} BETWEEN 1 AND {_DAYS_IN_MONTH}"
        f" AND {_HOUR} <= 23 AND {_MINUTE} <= 59 AND {_SECOND} <= 59"
    )
    one_offset = " AND ".join(
        f"({instant}{shift}) AT TIME ZONE %(shop_zone)s = {local}{shift}"
        for shift in ("", " - interval '3 hours'", " + interval '3 hours'")
    )
    accepts = f"CASE WHEN {in_range} THEN {one_offset} ELSE false END"
    return SqlCell("timestamptz", accepts, instant, prepare=_TIMESTAMP_PARTS)


def category_path_cell(*, name_max: int, separator: str) -> SqlCell:
    """A path whose levels need no stripping and none is empty, short enough that no level can be too long."""
    assert separator == "/"
    accepts = (
        f"length({{p}}) <= {name_max} AND {{p}} ~ '^[^/]+(/[^/]+)*$'"
        " AND {p} !~ ('(^|/)[' || %(whitespace)s || ']|[' || %(whitespace)s || '](/|$)')"
    )
    return SqlCell("text", accepts, "{p}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"
