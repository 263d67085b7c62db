"""Money in admin lists and read-only fields: `1 234,50 ₽` (core.money) instead of a raw `1234.50`."""
from django.contrib import admin

from .money import money_format


def money_column(model, field: str, *, currency_field: str | None = None):
    """A ModelAdmin attribute for list_display or readonly_fields that shows `field` as money, in the row's
    `currency_field` when it has one (else the shop's currency), headed by the field's own name and sorted by
    the field: `total_money = money_column(Order, "total", currency_field="currency")`."""

    @admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)
    def column(model_admin, obj):
        amount = getattr(obj, field)
        return money_format(amount, getattr(obj, currency_field) if currency_field else None) if amount is not None \
            else model_admin.get_empty_value_display()

    column.__name__ = f"{field}_money"
    return column
