"""Members per lifecycle stage over time, and the flows between stages."""
import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Count

from core.sql import timestamp_param
from core.timezones import shop_day_start
from lifecycle.models import StageTransition
from lifecycle.selectors import ACTIVE, stage_colours, stage_names  # noqa: F401  (the one colour of each stage)

from .base import ChartData, DateRange, shop_day_counts_sql, to_date


def _stage_names() -> dict[int | None, str]:
    return {None: ACTIVE, **stage_names()}


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
