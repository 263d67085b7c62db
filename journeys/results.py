"""The A/B results of a split step, for the admin's results page: per variant its members, conversions, conversion
rate with its 95 % interval, revenue, revenue per member with its interval, the probability that it is the best,
the expected loss of choosing it and its current share; and the campaign's holdout in the same terms.

Reads only, set-based: the variants' counts are one statement over all their members
(`journeys.selectors.split_variant_counts`), the holdout's another; the statistics are `journeys.splits`'. A variant's
members are measured from the moment they reached the split, the holdout's from their entry's trigger (they never
reach a split), each within the campaign's conversion window, by the journey's conversion (its event, else a
completed order).
"""
import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from core.sql import moment_param, seconds_after

from .models import JourneyNode, SplitMode
from .selectors import conversion_exists_sql, revenue_sql, split_variant_counts
from .splits import VariantCounts, VariantStatistics, current_shares, group_statistics, split_statistics


@dataclass(frozen=True)
class VariantResult:
    key: str
    name: str
    share: float  # the share new members are assigned by now
    statistics: VariantStatistics


@dataclass(frozen=True)
class SplitResults:
    node: JourneyNode
    adaptive: bool
    conversion_days: int
    variants: list[VariantResult]
    holdout: VariantStatistics
    holdout_percent: int
    window_open: int  # members of the variants whose conversion window has not closed yet

    @property
    def leader(self) -> VariantResult | None:
        """The variant most likely to be best, once any member was assigned."""
        measured = [v for v in self.variants if v.statistics.members]
        return max(measured, key=lambda v: v.statistics.probability_best) if measured else None


def holdout_counts(*, journey) -> VariantCounts:
    """The campaign's holdout entries: members, conversions and revenue within the window after the trigger."""
    sql = f"""
        SELECT COUNT(*), SUM(CASE WHEN x.converted THEN 1 ELSE 0 END), SUM(x.revenue), SUM(x.revenue * x.revenue)
          FROM (SELECT {conversion_exists_sql(journey, "e.member_id", "e.triggered_at")} AS converted,
                       {revenue_sql(journey, "e.member_id", "e.triggered_at")} AS revenue
                  FROM campaigns_campaignentry e
                 WHERE e.campaign_id = %s AND e.is_holdout) x"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [journey.campaign_id])
        members, conversions, revenue, squares = cursor.fetchone()
    return VariantCounts(members=int(members or 0), conversions=int(conversions or 0), revenue=float(revenue or 0),
                         revenue_squares=float(squares or 0))


def _window_open(node: JourneyNode, now: dt.datetime) -> int:
    window_end = seconds_after("v.at", node.journey.campaign.effective_conversion_days * 86400)
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT COUNT(*) FROM journeys_journeyvisit v
                            WHERE v.node_id = %s AND v.variant_id IS NOT NULL AND {window_end} > %s""",
                       [node.pk, moment_param(now)])
        return int(cursor.fetchone()[0])


def split_results(*, node: JourneyNode, now: dt.datetime | None = None) -> SplitResults:
    """The results of one split (a node of kind split), in its variants' key order. A constant number of queries
    whatever the number of members; the probability best is seeded by the node, so a reload shows the same figures."""
    journey = node.journey
    variants = list(node.variants.order_by("key"))
    counts = split_variant_counts(node=node)
    measured = [counts.get(v.pk, VariantCounts(members=0, conversions=0)) for v in variants]
    adaptive = node.split_mode == SplitMode.ADAPTIVE
    shares = current_shares(adaptive=adaptive, weights=[v.weight for v in variants],
                            traffic_shares=[v.traffic_share for v in variants]) if variants else []
    statistics = split_statistics(measured, seed=node.pk) if variants else []
    return SplitResults(
        node=node, adaptive=adaptive, conversion_days=journey.campaign.effective_conversion_days,
        variants=[VariantResult(key=v.key, name=v.name, share=share, statistics=stats)
                  for v, share, stats in zip(variants, shares, statistics)],
        holdout=group_statistics(holdout_counts(journey=journey)), holdout_percent=journey.campaign.holdout_percent,
        window_open=_window_open(node, now or timezone.now()))
