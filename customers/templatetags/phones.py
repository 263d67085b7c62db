"""{{ member.phone|phone }}: a stored E.164 number as people dial it (+7 999 000-11-22)."""
from django import template

from ..phones import phone_display

register = template.Library()


@register.filter
def phone(value):
    return phone_display(value) if value else ""
