from django import template

from ..selectors.delivery import delivery_rate_warnings

register = template.Library()


@register.simple_tag
def delivery_warnings():
    """Channels whose bounce or complaint rate passed its threshold (dashboards.selectors.delivery)."""
    return delivery_rate_warnings()
