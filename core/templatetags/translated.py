"""`{% load translated %}{{ reward|translated:"name" }}`: staff-written content in the active language
(core.translated_content)."""
from django import template

from core import translated_content

register = template.Library()


@register.filter
def translated(obj, field):
    return translated_content.translated(obj, field) if obj is not None else ""
