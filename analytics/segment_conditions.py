"""Segment conditions analytics adds to the rule builder (registered from AnalyticsConfig.ready()).

The scores live in segments.MemberStats (written by `fit_clv`), so each condition is a plain comparison on the
member's statistics row: one SQL predicate, no loop.
"""
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from segments.rules.compiler import NUMERIC_OPS
from segments.rules.expressions import compare
from segments.rules.registry import Value, leaf

SCORES = _("Forecasts")


@leaf("high_value_declining", _("High value, declining spend"), [], group=SCORES)
def high_value_declining(p, context):
    """Spend in the last 90 days under half the member's earlier rate (as of the last `fit_clv`), while their
    spend is in the top two RFM monetary quintiles (`ANALYTICS_HIGH_VALUE_MIN_M_SCORE`, 4)."""
    return Q(stats__spend_trend="declining", stats__m_score__gte=getattr(settings, "ANALYTICS_HIGH_VALUE_MIN_M_SCORE", 4))


@leaf("predicted_clv", _("Predicted value, next 12 months"), [], operators=NUMERIC_OPS, value=Value("number", unit="₽"),
      group=SCORES)
def predicted_clv(p, context):
    """The member's discounted expected spend over the next 12 months (BG/NBD × Gamma-Gamma)."""
    return compare("stats__predicted_clv", p["op"], p["value"])


def _percentages(p):
    values = p["value"] if isinstance(p.get("value"), list) else [p.get("value")]
    if any(not 0 <= Decimal(v) <= 100 for v in values if v is not None):
        raise ValueError(_("enter a percentage from 0 to 100"))


@leaf("prob_alive", _("Chance still a customer"), [], operators=["gte", "lte", "between"], value=Value("number", unit="%"),
      validate_extra=_percentages, group=SCORES)
def prob_alive(p, context):
    """The BG/NBD probability that the member still buys, typed as a percentage (70 means 0.70)."""
    share = [Decimal(v) / 100 for v in p["value"]] if p["op"] == "between" else Decimal(p["value"]) / 100
    return compare("stats__prob_alive", p["op"], share)


def _trends():
    return [("declining", _("Declining")), ("stable", _("Stable")), ("growing", _("Growing"))]


@leaf("spend_trend", _("Spend trend"), [], operators=["eq", "in"], value=Value("choice", _trends), group=SCORES)
def spend_trend(p, context):
    """Spend in the last 90 days against the member's earlier rate: declining, stable or growing."""
    return compare("stats__spend_trend", p["op"], p["value"])
