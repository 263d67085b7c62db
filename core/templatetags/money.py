"""`{% load money %}{{ order.total|money:order.currency }}`: core.money.money_format in templates."""
from django import template

from core.money import money_format

register = template.Library()


@register.filter
def money(amount, currency=None):
    return money_format(amount, currency)
