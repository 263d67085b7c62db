"""When a member with a buying rhythm is expected back, and when to remind them.

The rhythm comes from `segments.MemberStats` (last purchase day and median days between purchase days,
refreshed nightly), so both reads are single set-based queries over all members.
"""
import datetime as dt
import math

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from core.sql import date_param, days_between, is_postgres
from customers.models import Member


def reminder_share() -> float:
    """Share of a member's usual interval after which the reminder goes out (0.7: a 30-day buyer on day 21)."""
    return float(getattr(settings, "ANALYTICS_REPLENISHMENT_SHARE", 0.7))


def min_orders() -> int:
    """Completed orders needed before a median interval counts as a rhythm (two gaps at least)."""
    return int(getattr(settings, "ANALYTICS_REPLENISHMENT_MIN_ORDERS", 3))


def expected_next_purchase_on(*, member) -> dt.date | None:
    """Last purchase day + median days between purchases; None without a rhythm (see `min_orders`)."""
    stats = getattr(member, "stats", None)
    if (stats is None or stats.last_purchase_on is None or not stats.median_days_between
            or stats.orders_count < min_orders()):
        return None
    return stats.last_purchase_on + dt.timedelta(days=round(float(stats.median_days_between)))


def reminder_on(*, member) -> dt.date | None:
    """The day `replenishment_due` returns this member: the share of the interval after the last purchase."""
    stats = getattr(member, "stats", None)
    if expected_next_purchase_on(member=member) is None:
        return None
    return stats.last_purchase_on + dt.timedelta(days=_reminder_days(float(stats.median_days_between)))


def _reminder_days(median_days: float) -> int:
    # Half-up rounding, written the same way as the SQL below, and at least one day after the purchase.
    return max(1, math.floor(reminder_share() * median_days + 0.5))


def replenishment_due(*, as_of: dt.date) -> QuerySet[Member]:
    """Members whose replenishment reminder falls on `as_of`: exactly `round(share × median interval)` days
    (at least 1) after their last purchase day, with at least `min_orders()` completed orders.

    A member is returned on one day per purchase rhythm, so a daily trigger reaches each member once per
    cycle; a purchase after the reminder moves the next one. One query; read-only.
    """
    day_sql, day_params = date_param(as_of)
    since_last = days_between(day_sql, "s.last_purchase_on")
    share = reminder_share()
    # FLOOR is not in every SQLite build; truncating a positive number is the same there.
    rounded = "FLOOR(%s * s.median_days_between + 0.5)" if is_postgres() else "CAST(%s * s.median_days_between + 0.5 AS INTEGER)"
    due_ids = RawSQL(
        f"""
        SELECT s.member_id FROM segments_memberstats s
         WHERE s.last_purchase_on IS NOT NULL AND s.median_days_between > 0 AND s.orders_count >= %s
           AND {since_last} = (CASE WHEN {rounded} < 1 THEN 1 ELSE {rounded} END)
        """,
        [min_orders(), *day_params, share, share],
    )
    return Member.objects.filter(pk__in=due_ids)
