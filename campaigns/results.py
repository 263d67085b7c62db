"""Campaign results: the funnel of the treated group and conversion uplift versus the holdout.

Conversions are completed purchases within the campaign's conversion window after each entry's
trigger, counted the same way for both groups; revenue is the total of those purchases.
"""
import math
from dataclasses import dataclass

from django.db import connection

from .models import Campaign
from .services.scheduling import _add_days

Z_95 = 1.959964


@dataclass
class GroupResult:
    entered: int = 0
    converted: int = 0
    revenue: float = 0.0

    @property
    def rate(self) -> float:
        return self.converted / self.entered if self.entered else 0.0

    @property
    def rate_percent(self) -> float:
        return 100 * self.rate

    @property
    def revenue_per_entrant(self) -> float:
        return self.revenue / self.entered if self.entered else 0.0


@dataclass
class Uplift:
    absolute: float  # conversion-rate difference, treated − holdout
    low: float  # 95 % confidence interval of the difference (normal approximation)
    high: float
    relative: float | None  # absolute / holdout rate
    incremental_conversions: float
    incremental_revenue: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def points(self) -> tuple[float, float, float]:
        """(difference, low, high) in percentage points, for display."""
        return 100 * self.absolute, 100 * self.low, 100 * self.high

    @property
    def relative_percent(self) -> float | None:
        return None if self.relative is None else 100 * self.relative

    @property
    def chart(self) -> dict:
        """Positions (0–100 %) of the interval, the estimate and zero on a symmetric axis."""
        scale = max(abs(self.low), abs(self.high), 1e-9) * 1.25
        position = lambda value: round(50 + 50 * value / scale, 2)  # noqa: E731
        return {"left": position(self.low), "width": round(position(self.high) - position(self.low), 2),
                "estimate": position(self.absolute), "zero": 50}


@dataclass
class CampaignResults:
    treated: GroupResult
    holdout: GroupResult
    funnel: list[tuple[str, int]]
    uplift: Uplift | None
    conversion_days: int


def uplift_between(treated: GroupResult, holdout: GroupResult) -> Uplift | None:
    if not treated.entered or not holdout.entered:
        return None
    p1, p0 = treated.rate, holdout.rate
    diff = p1 - p0
    se = math.sqrt(p1 * (1 - p1) / treated.entered + p0 * (1 - p0) / holdout.entered)
    return Uplift(
        absolute=diff, low=diff - Z_95 * se, high=diff + Z_95 * se, relative=diff / p0 if p0 else None,
        incremental_conversions=diff * treated.entered,
        incremental_revenue=(treated.revenue_per_entrant - holdout.revenue_per_entrant) * treated.entered,
    )


def _groups(campaign: Campaign) -> dict[bool, GroupResult]:
    window_end = _add_days("e2.triggered_at", campaign.effective_conversion_days)
    sql = f"""
        SELECT e.is_holdout, COUNT(*), SUM(CASE WHEN x.revenue IS NULL THEN 0 ELSE 1 END), COALESCE(SUM(x.revenue), 0)
          FROM campaigns_campaignentry e
          LEFT JOIN (SELECT e2.id AS entry_id, SUM(o.total) AS revenue
                       FROM campaigns_campaignentry e2
                       JOIN loyalty_order o ON o.member_id = e2.member_id AND o.status = 'completed'
                                           AND o.created_at > e2.triggered_at AND o.created_at <= {window_end}
                      WHERE e2.campaign_id = %s
                      GROUP BY e2.id) x ON x.entry_id = e.id
         WHERE e.campaign_id = %s
         GROUP BY e.is_holdout"""
    groups = {False: GroupResult(), True: GroupResult()}
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, campaign.pk])
        for is_holdout, entered, converted, revenue in cursor.fetchall():
            groups[bool(is_holdout)] = GroupResult(entered, int(converted or 0), float(revenue or 0))
    return groups


def _funnel(campaign: Campaign, entered: int) -> list[tuple[str, int]]:
    sql = """
        SELECT COUNT(*),
               SUM(CASE WHEN m.status IN ('delivered', 'failed') THEN 1 ELSE 0 END),
               SUM(CASE WHEN m.status = 'delivered' THEN 1 ELSE 0 END),
               SUM(CASE WHEN EXISTS (SELECT 1 FROM customers_engagementevent ev
                                      WHERE ev.member_id = m.member_id AND ev.message_ref = m.ref
                                        AND ev.kind IN ('open', 'click')) THEN 1 ELSE 0 END),
               SUM(CASE WHEN EXISTS (SELECT 1 FROM customers_engagementevent ev
                                      WHERE ev.member_id = m.member_id AND ev.message_ref = m.ref
                                        AND ev.kind = 'click') THEN 1 ELSE 0 END)
          FROM (SELECT o.member_id, o.status, 'outbox-' || CAST(o.id AS TEXT) AS ref
                  FROM campaigns_outboxmessage o
                  JOIN campaigns_campaignstep s ON s.id = o.campaign_step_id
                 WHERE s.campaign_id = %s) m"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])
        planned, sent, delivered, opened, clicked = (int(v or 0) for v in cursor.fetchone())
    return [("Entered (treated)", entered), ("Messages planned", planned), ("Sent", sent), ("Delivered", delivered),
            ("Opened", opened), ("Clicked", clicked)]


def campaign_results(*, campaign: Campaign) -> CampaignResults:
    groups = _groups(campaign)
    treated, holdout = groups[False], groups[True]
    funnel = [*_funnel(campaign, treated.entered), ("Converted (treated)", treated.converted)]
    return CampaignResults(treated=treated, holdout=holdout, funnel=funnel, uplift=uplift_between(treated, holdout),
                           conversion_days=campaign.effective_conversion_days)
