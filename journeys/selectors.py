"""Reads for the admin's diagram and the A/B results: members per node and per variant, and each split variant's
members, conversions and revenue within the campaign's conversion window."""
import datetime as dt

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

from core.sql import moment_param, seconds_after

from .models import Journey, JourneyNode, JourneyVisit, NodeKind
from .splits import VariantCounts


def journey_node_counts(*, journey: Journey) -> dict[int, dict[str, int]]:
    """Per node id: members who reached it (`reached`) and who are there now, still in the journey (`here`)."""
    reached = dict(JourneyVisit.objects.filter(node__journey=journey).values("node").annotate(n=Count("id"))
                   .values_list("node", "n"))
    here = dict(journey.members.filter(status="active").values("node").annotate(n=Count("id")).values_list("node", "n"))
    return {node_id: {"reached": reached.get(node_id, 0), "here": here.get(node_id, 0)}
            for node_id in journey.nodes.values_list("pk", flat=True)}


def journey_node_variant_counts(*, journey: Journey) -> dict[tuple[int, int | None], int]:
    """Members who reached each node, per variant (node id, variant id or None before any split)."""
    rows = (JourneyVisit.objects.filter(node__journey=journey).values("node", "variant").annotate(n=Count("id"))
            .values_list("node", "variant", "n"))
    return {(node_id, variant_id): n for node_id, variant_id, n in rows}


def conversion_exists_sql(journey: Journey, member_column: str, since_column: str) -> str:
    """SQL: the member converted after `since_column` and within the campaign's conversion window (the journey's
    conversion event, else a completed order). The engine's exit, the variants' and the holdout's results use it."""
    window_end = seconds_after(since_column, journey.campaign.effective_conversion_days * 86400)
    if journey.conversion_event_type_id:
        return f"""EXISTS (SELECT 1 FROM events_event ev
                            WHERE ev.member_id = {member_column} AND ev.type_id = {int(journey.conversion_event_type_id)}
                              AND ev.occurred_at > {since_column} AND ev.occurred_at <= {window_end})"""
    return f"""EXISTS (SELECT 1 FROM loyalty_order o
                        WHERE o.member_id = {member_column} AND o.status = 'completed'
                          AND o.created_at > {since_column} AND o.created_at <= {window_end})"""


def revenue_sql(journey: Journey, member_column: str, since_column: str) -> str:
    """SQL: the total of the member's completed orders after `since_column` within the conversion window."""
    window_end = seconds_after(since_column, journey.campaign.effective_conversion_days * 86400)
    return f"""COALESCE((SELECT SUM(o.total) FROM loyalty_order o
                         WHERE o.member_id = {member_column} AND o.status = 'completed'
                           AND o.created_at > {since_column} AND o.created_at <= {window_end}), 0)"""


def split_variant_counts(*, node: JourneyNode, closed_by: dt.datetime | None = None) -> dict[int, VariantCounts]:
    """Per variant id of a split: members assigned, members who converted within the conversion window after their
    assignment (the journey's conversion event, else a completed order), their orders' revenue in that window and
    the sum of each member's revenue squared. With `closed_by`, only members whose window had closed by then
    (what adaptive shares learn from). One statement."""
    journey = node.journey
    window_end = seconds_after("v.at", journey.campaign.effective_conversion_days * 86400)
    converted = conversion_exists_sql(journey, "j.member_id", "v.at")
    revenue = revenue_sql(journey, "j.member_id", "v.at")
    closed, params = "", [node.pk]
    if closed_by is not None:
        closed = f"AND {window_end} <= %s"
        params.append(moment_param(closed_by))
    sql = f"""
        SELECT x.variant_id, COUNT(*), SUM(CASE WHEN x.converted THEN 1 ELSE 0 END), SUM(x.revenue),
               SUM(x.revenue * x.revenue)
          FROM (SELECT v.variant_id, {converted} AS converted, {revenue} AS revenue
                  FROM journeys_journeyvisit v JOIN journeys_journeymember j ON j.id = v.journey_member_id
                 WHERE v.node_id = %s AND v.variant_id IS NOT NULL {closed}) x
         GROUP BY x.variant_id"""
    counts = {pk: VariantCounts(members=0, conversions=0) for pk in node.variants.values_list("pk", flat=True)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for variant_id, members, conversions, total, squares in cursor.fetchall():
            counts[variant_id] = VariantCounts(members=int(members), conversions=int(conversions or 0),
                                               revenue=float(total or 0), revenue_squares=float(squares or 0))
    return counts


def adaptive_splits() -> "list[JourneyNode]":
    return list(JourneyNode.objects.filter(Q(kind="split", split_mode="adaptive"), journey__campaign__is_active=True)
                .select_related("journey__campaign"))


def step_journey_timing(step) -> str | None:
    """The step form's "When" for a step a journey runs: the nodes that run it and the waits leading to each
    (campaigns.step_timing asks; None for a step of a campaign that is not a journey)."""
    if not step.campaign.is_journey:
        return None
    nodes = list(JourneyNode.objects.filter(step=step).order_by("position", "pk"))
    if not nodes:
        return gettext("No node of the journey runs this step yet.")
    parts = []
    for node in nodes:
        waits = (JourneyNode.objects.filter(journey_id=node.journey_id, kind=NodeKind.WAIT)
                 .filter(Q(next=node) | Q(next_no=node)).select_related("wait_event_type").order_by("position", "pk"))
        if not waits:
            parts.append(gettext("«%(node)s», as soon as a member reaches it") % {"node": node.name})
        for wait in waits:
            duration = _duration_text(wait.wait_seconds)
            if wait.wait_event_type_id and wait.next_id == node.pk:
                after = gettext("«%(event)s» within %(duration)s") % {"event": wait.wait_event_type, "duration": duration}
            else:
                after = duration
            parts.append(gettext("«%(node)s», after the wait «%(wait)s»: %(after)s")
                         % {"node": node.name, "wait": wait.name, "after": after})
    return "; ".join(parts)


def _duration_text(seconds: int) -> str:
    now = timezone.now()
    return timesince(now - dt.timedelta(seconds=int(seconds)), now) if seconds else gettext("no wait")
