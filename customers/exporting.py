"""Rows of `export_members`: the registered columns and one column per zero-party attribute, in one query."""
import datetime as dt
import decimal

from core.timezones import shop_zone

from .export_columns import registered_columns
from .models import AttributeDefinition

ATTRIBUTE_PREFIX = "attr:"
MULTIPLE_SEPARATOR = "|"


def member_export_header() -> list[str]:
    keys = AttributeDefinition.objects.order_by("key").values_list("key", flat=True)
    return ["external_id", *(c.name for c in _columns()), *(f"{ATTRIBUTE_PREFIX}{key}" for key in keys)]


def member_export_rows(queryset, *, header, chunk_size=2000):
    """Yield one list of cell texts per member of `queryset`, matching `header`, in id order.

    Every registered column is an annotation of the same SELECT, streamed in chunks, so the number
    of queries does not grow with the number of members. Values are written so that `import_members`
    reads them back: timestamps in ISO 8601 in the shop's zone, booleans as true/false, several
    choices joined with "|", an unset attribute as an empty cell.
    """
    columns = _columns()
    aliases, cells = {}, []  # cells: one function per column, from the row's values to the cell's text
    for position, column in enumerate(columns):
        if column.to_cell is None:
            index = len(aliases) + 1  # after external_id
            aliases[f"export_column_{position}"] = column.expression
            cells.append(lambda values, index=index: cell_text(values[index]))
            continue
        parts = {}
        for part, expression in column.expression.items():
            parts[part] = len(aliases) + 1
            aliases[f"export_column_{position}_{part}"] = expression
        cells.append(lambda values, parts=parts, to_cell=column.to_cell:
                     to_cell({part: values[index] for part, index in parts.items()}))
    attribute_keys = [name[len(ATTRIBUTE_PREFIX):] for name in header if name.startswith(ATTRIBUTE_PREFIX)]
    rows = queryset.annotate(**aliases).order_by("pk").values_list("external_id", *aliases, "attributes")
    for values in rows.iterator(chunk_size=chunk_size):
        attributes = values[-1] or {}
        yield ([values[0], *(cell(values) for cell in cells)]
               + [cell_text(attributes.get(key)) for key in attribute_keys])


def _columns():
    return [column for column in registered_columns() if column.name != "external_id"]


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timestamp_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return MULTIPLE_SEPARATOR.join(cell_text(item) for item in value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def timestamp_text(value: dt.datetime) -> str:
    return value.astimezone(shop_zone()).isoformat()
