"""Segment conditions analytics adds to the rule builder (registered from AnalyticsConfig.ready())."""
from django.conf import settings
from django.db.models import Q

from segments.rules.registry import leaf


@leaf("high_value_declining", "High value, declining spend", [], group="Behaviour")
def high_value_declining(p, context):
    """Spend in the last 90 days under half the member's earlier rate (as of the last `fit_clv`), while their
    spend is in the top two RFM monetary quintiles (`ANALYTICS_HIGH_VALUE_MIN_M_SCORE`, 4)."""
    return Q(stats__spend_trend="declining", stats__m_score__gte=getattr(settings, "ANALYTICS_HIGH_VALUE_MIN_M_SCORE", 4))
