"""Columns of `export_members`, one registry for every app.

Each app adds its computed columns (tier, balance, lifecycle stage, RFM, CLV) in its AppConfig.ready()
with `register(...)`, so the export command never changes when an app grows. A column is an ORM
expression evaluated in the export's single query, so exporting a million members stays set-based.
"""
from dataclasses import dataclass
from typing import Callable

from django.db.models import Expression, F


@dataclass(frozen=True)
class ExportColumn:
    name: str
    expression: Expression | dict[str, Expression]  # a dict: several values, which `to_cell` makes one cell
    order: int = 100  # lower comes first; foundation columns use 0–99
    to_cell: Callable[[dict], str] | None = None  # (values by part name) -> the cell's text


_columns: dict[str, ExportColumn] = {}


def register(name: str, expression: Expression | str | dict, *, order: int = 100, to_cell=None) -> None:
    if isinstance(expression, str):
        expression = F(expression)
    if isinstance(expression, dict) != (to_cell is not None):
        raise ValueError("A column of several expressions needs to_cell, and only such a column.")
    _columns[name] = ExportColumn(name=name, expression=expression, order=order, to_cell=to_cell)


def registered_columns() -> list[ExportColumn]:
    return sorted(_columns.values(), key=lambda column: (column.order, column.name))


FOUNDATION_FIELDS = [
    "external_id", "email", "phone", "card_number", "first_name", "last_name", "gender", "birth_date",
    "region", "city", "timezone", "registered_at", "registration_channel", "referral_code",
    "consent:personal_data", "consent:email", "consent:sms", "consent:push", "preferred_channel",
]


def register_foundation_columns() -> None:
    # Consents are written as import_members reads them: the grant's time, yes, no, or empty (never asked).
    from .exporting import timestamp_text
    from .importing.consents import CONSENT_PREFIX, consent_export_cell, consent_export_parts

    for position, field in enumerate(FOUNDATION_FIELDS):
        if field.startswith(CONSENT_PREFIX):
            purpose = field[len(CONSENT_PREFIX):]
            register(field, consent_export_parts(purpose), order=position,
                     to_cell=lambda parts: consent_export_cell(parts, timestamp_text=timestamp_text))
        else:
            register(field, field, order=position)
    register("referred_by", "referred_by__external_id", order=len(FOUNDATION_FIELDS))
