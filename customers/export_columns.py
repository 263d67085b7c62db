"""Columns of `export_members`, one registry for every app.

Each app adds its computed columns (tier, balance, lifecycle stage, RFM, CLV) in its AppConfig.ready()
with `register(...)`, so the export command never changes when an app grows. A column is an ORM
expression evaluated in the export's single query, so exporting a million members stays set-based.
"""
from dataclasses import dataclass

from django.db.models import Expression, F


@dataclass(frozen=True)
class ExportColumn:
    name: str
    expression: Expression
    order: int = 100  # lower comes first; foundation columns use 0–99


_columns: dict[str, ExportColumn] = {}


def register(name: str, expression: Expression | str, *, order: int = 100) -> None:
    if isinstance(expression, str):
        expression = F(expression)
    _columns[name] = ExportColumn(name=name, expression=expression, order=order)


def registered_columns() -> list[ExportColumn]:
    return sorted(_columns.values(), key=lambda column: (column.order, column.name))


FOUNDATION_FIELDS = [
    "external_id", "email", "phone", "card_number", "first_name", "last_name", "gender", "birth_date",
    "region", "city", "timezone", "registered_at", "registration_channel", "referral_code",
    "personal_data_consent", "email_consent", "sms_consent", "push_consent", "preferred_channel",
]


def register_foundation_columns() -> None:
    for position, field in enumerate(FOUNDATION_FIELDS):
        register(field, field, order=position)
    register("referred_by", "referred_by__external_id", order=len(FOUNDATION_FIELDS))
