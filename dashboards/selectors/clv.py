"""CLV distribution, CLV by acquisition cohort and channel, and by RFM segment."""
import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, F, FloatField
from django.db.models.functions import Cast, Floor

from core.sql import timestamp_param
from core.timezones import shop_day_start
from customers.models import RegistrationChannel
from segments.models import MemberStats
from segments.selectors import rfm_segment_labels

from .base import ChartData, DateRange, month_of, months, shop_day_counts_sql, to_date

BINS = 20


def _scored_buyers(date_range: DateRange):
    return MemberStats.objects.filter(last_purchase_on__range=(date_range.start, date_range.end),
                                      predicted_clv__isnull=False)


def clv_distribution(date_range: DateRange) -> ChartData:
    """Histogram of predicted 12-month CLV of members whose last purchase is in the range: at most 20 bins of
    a round width (1, 2, 2.5 or 5 times a power of ten: 0–500, 500–1 000…) up to the 99th percentile, the
    last bin also holding everything above it."""
    scored = _scored_buyers(date_range)
    total = scored.count()
    data = ChartData(columns=["clv_from", "clv_to", "members"])
    if not total:
        return data
    top = scored.order_by("predicted_clv").values_list("predicted_clv", flat=True)[min(total - 1, int(total * 0.99))]
    width = round_bin_width(Decimal(top) / BINS)
    bins = max(1, min(BINS, math.ceil(Decimal(top) / width)))
    rows = (scored.annotate(bin=Floor(Cast(F("predicted_clv"), FloatField()) / float(width)))
            .values_list("bin").annotate(n=Count("member_id")).order_by())
    counts = defaultdict(int)
    for bin_, n in rows:
        counts[min(int(bin_), bins - 1)] += n
    for i in range(bins):
        data.rows.append([_edge(width * i), _edge(width * (i + 1)), counts[i]])
    return data


def round_bin_width(raw: Decimal) -> Decimal:
    """The smallest round width (1, 2, 2.5 or 5 × 10^k, at least 1 kopeck) not below `raw`."""
    raw = max(raw, Decimal("0.01"))
    power = Decimal(10) ** math.floor(math.log10(raw))
    return next(power * m for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)) if power * m >= raw)


def _edge(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def clv_by_cohort_and_channel(date_range: DateRange) -> ChartData:
    """Average predicted CLV of members registered in each month of the range, per registration channel."""
    channels = [label for _, label in RegistrationChannel.choices]
    labels = dict(RegistrationChannel.choices)
    day_sql, params = shop_day_counts_sql("m", "registered_at", date_range.end)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT {month_of(day_sql)}, m.registration_channel, AVG(s.predicted_clv)
              FROM customers_member m LEFT JOIN segments_memberstats s ON s.member_id = m.id
             WHERE m.registered_at >= %s AND m.registered_at < %s
             GROUP BY 1, 2
        """, [*params, timestamp_param(shop_day_start(date_range.start)),
              timestamp_param(shop_day_start(date_range.end + dt.timedelta(days=1)))])
        rows = cursor.fetchall()
    cells = {(to_date(month), labels.get(channel, channel)): clv for month, channel, clv in rows}
    return ChartData(
        columns=["cohort_month", *channels],
        rows=[[month.strftime("%Y-%m"), *(_money(cells.get((month, c))) for c in channels)] for month in months(date_range)],
    )


def clv_by_rfm_segment(date_range: DateRange) -> ChartData:
    """Per RFM segment (buyers whose last purchase is in the range): members and their average simple and
    predicted CLV, largest segment first."""
    rows = (_scored_buyers(date_range).exclude(rfm_segment="").values_list("rfm_segment")
            .annotate(n=Count("member_id"), simple=Avg("simple_clv"), predicted=Avg("predicted_clv"))
            .order_by("-n", "rfm_segment"))
    labels = rfm_segment_labels()  # the segments' names in the reader's language
    return ChartData(columns=["rfm_segment", "members", "avg_simple_clv", "avg_predicted_clv"],
                     rows=[[labels.get(name, name), n, _money(s), _money(p)] for name, n, s, p in rows])


def _money(value):
    return None if value is None else round(float(value), 2)
