"""Members per lifecycle stage over time, and the flows between stages."""
import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Count

from core.sql import timestamp_param
from core.timezones import shop_day_start
from lifecycle.models import LifecycleStage, StageTransition

from .base import ChartData, DateRange, shop_day_counts_sql, to_date

ACTIVE = "Active"

# One colour per stage for every chart that shows stages (the area of members per stage, the Sankey of
# flows): warm for the stages that slip away, green for the loyal, grey for the lost. Stages a shop adds
# take the spare colours in their order.
STAGE_COLOURS = {
    None: "#8fb3d9", "new": "#4c78a8", "promising": "#54a24b", "loyal": "#2e7d32", "wandering": "#eeca3b",
    "dormant": "#f58518", "at_risk": "#e45756", "lost": "#9d9d9d",
}
SPARE_COLOURS = ["#b279a2", "#72b7b2", "#ff9da6", "#9d755d", "#bab0ac", "#79706e"]


def _stage_names() -> dict[int | None, str]:
    return {None: ACTIVE, **dict(LifecycleStage.objects.values_list("id", "name"))}


def stage_colours() -> dict[str, str]:
    """Each stage's colour by the name the charts show, in the stages' order (the "Active" start first)."""
    colours, spare = {ACTIVE: STAGE_COLOURS[None]}, iter(SPARE_COLOURS * 4)
    for slug, name in LifecycleStage.objects.order_by("position", "pk").values_list("slug", "name"):
        colours[name] = STAGE_COLOURS.get(slug) or next(spare)
    return colours


def sample_days(date_range: DateRange, *, points: int = 60) -> list[dt.date]:
    """At most ~`points` evenly spaced days, always ending on the last day of the range."""
    step = max(1, -(-((date_range.end - date_range.start).days + 1) // points))
    days = date_range.days()[::-1][::step][::-1]
    return days


def stage_counts(date_range: DateRange) -> ChartData:
    """Members in each stage at the end of sampled days: registrations, plus moves into a stage, minus moves
    out of it, summed up to that day. Three grouped queries over all members and transitions."""
    names = _stage_names()
    moves = defaultdict(int)  # (day, stage id) -> net members
    end = date_range.end
    for day, stage, n in (StageTransition.objects.filter(occurred_on__lte=end)
                          .values_list("occurred_on", "to_stage").annotate(n=Count("id")).order_by()):
        moves[(day, stage)] += n
    for day, stage, n in (StageTransition.objects.filter(occurred_on__lte=end)
                          .values_list("occurred_on", "from_stage").annotate(n=Count("id")).order_by()):
        moves[(day, stage)] -= n
    day_sql, params = shop_day_counts_sql("m", "registered_at", end)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {day_sql}, COUNT(*) FROM customers_member m WHERE m.registered_at < %s GROUP BY 1",
                       [*params, timestamp_param(shop_day_start(end + dt.timedelta(days=1)))])
        for day, n in cursor.fetchall():
            moves[(to_date(day), None)] += n  # a new member starts as active
    order = [None] + [pk for pk in names if pk is not None]
    data = ChartData(columns=["day", *(names[pk] for pk in order)])
    totals = defaultdict(int)
    events = sorted(moves.items(), key=lambda item: item[0][0])
    position = 0
    for day in sample_days(date_range):
        while position < len(events) and events[position][0][0] <= day:
            (_, stage), n = events[position]
            totals[stage] += n
            position += 1
        data.rows.append([day.isoformat(), *(totals[pk] for pk in order)])
    return data


def stage_flows(date_range: DateRange) -> ChartData:
    """Moves between stages recorded in the range, by from and to stage: the customer journey."""
    names = _stage_names()
    rows = (StageTransition.objects.filter(occurred_on__range=(date_range.start, date_range.end))
            .values_list("from_stage", "to_stage").annotate(n=Count("id")).order_by("-n"))
    return ChartData(columns=["from_stage", "to_stage", "members"],
                     rows=[[names.get(a, "?"), names.get(b, "?"), n] for a, b, n in rows])
