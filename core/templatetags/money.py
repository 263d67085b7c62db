"""`{% load money %}{{ order.total|money:order.currency }}`, `{{ amount|short_money }}`:
core.money.money_format in templates."""
from django import template

from core.money import money_format

register = template.Library()


@register.filter
def money(amount, currency=None):
    return money_format(amount, currency)


@register.filter
def short_money(amount, currency=None):
    """`5 000 ₽` without `,00` (kopecks only when there are some): amounts in sentences, as a member reads them."""
    return money_format(amount, currency, places=None)
