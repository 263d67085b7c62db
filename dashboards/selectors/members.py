"""RFM grid, segment sizes and tier distribution."""
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max
from django.db.models.functions import TruncDate

from core.timezones import shop_day_start, shop_zone
from customers.models import Member
from segments.models import MemberStats, SegmentSizeSnapshot

from .base import ChartData, DateRange


def rfm_grid(date_range: DateRange) -> ChartData:
    """Buyers whose last purchase falls in the range, per recency × frequency cell (scores 1–5)."""
    rows = (MemberStats.objects.filter(last_purchase_on__range=(date_range.start, date_range.end), r_score__isnull=False)
            .values_list("r_score", "f_score").annotate(n=Count("member_id")).order_by())
    counts = {(r, f): n for r, f, n in rows}
    return ChartData(columns=["r_score", "f_score", "members"],
                     rows=[[r, f, counts.get((r, f), 0)] for r in range(1, 6) for f in range(1, 6)])


def segment_sizes(date_range: DateRange, *, limit: int = 8) -> ChartData:
    """Size of the `limit` largest segments on each day a refresh recorded one (the day's largest figure)."""
    snapshots = (SegmentSizeSnapshot.objects
                 .filter(taken_at__gte=shop_day_start(date_range.start),
                         taken_at__lt=shop_day_start(date_range.end + dt.timedelta(days=1)))
                 .annotate(day=TruncDate("taken_at", tzinfo=shop_zone())).values_list("segment__name", "day")
                 .annotate(size=Max("members")).order_by("day"))
    by_segment = defaultdict(dict)
    for name, day, size in snapshots:
        by_segment[name][day] = size
    largest = sorted(by_segment, key=lambda name: -max(by_segment[name].values()))[:limit]
    days = sorted({day for name in largest for day in by_segment[name]})
    return ChartData(columns=["day", *largest],
                     rows=[[day.isoformat(), *(by_segment[name].get(day) for name in largest)] for day in days])


def tier_distribution(date_range: DateRange) -> ChartData:
    """Members registered in the range by their current tier ("No tier" without an account or tier)."""
    rows = (Member.objects.filter(registered_at__gte=shop_day_start(date_range.start),
                                  registered_at__lt=shop_day_start(date_range.end + dt.timedelta(days=1)))
            .values_list("account__tier__name", "account__tier__rank").annotate(n=Count("id"))
            .order_by("account__tier__rank"))
    return ChartData(columns=["tier", "members"], rows=[[name or "No tier", n] for name, _, n in rows])
