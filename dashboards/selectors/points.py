"""Points liability (outstanding points and their value) and the redemption rate, per month."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from core.timezones import shop_day_start, shop_zone
from loyalty.models import LedgerEntry, LedgerEntryKind

from .base import ChartData, DateRange, as_date, months

EARNING = [LedgerEntryKind.EARN, LedgerEntryKind.BONUS]


def point_value() -> Decimal:
    """What one point costs the programme in the shop's currency (`DASHBOARDS_POINT_VALUE`, default 1)."""
    return Decimal(str(getattr(settings, "DASHBOARDS_POINT_VALUE", "1")))


def _monthly(date_range: DateRange):
    start, end = shop_day_start(date_range.start.replace(day=1)), shop_day_start(date_range.end + dt.timedelta(days=1))
    opening = LedgerEntry.objects.filter(created_at__lt=start).aggregate(total=Sum("points"))["total"] or 0
    sums = defaultdict(lambda: defaultdict(int))
    for month, kind, points in (LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=end)
                                .annotate(month=TruncMonth("created_at", tzinfo=shop_zone()))
                                .values_list("month", "kind").annotate(points=Sum("points")).order_by()):
        sums[as_date(month)][kind] += points
    return opening, sums


def points_liability(date_range: DateRange) -> ChartData:
    """Points outstanding at the end of each month (every ledger movement summed) and their value."""
    outstanding, sums = _monthly(date_range)
    value = point_value()
    data = ChartData(columns=["month", "outstanding_points", "outstanding_value"])
    for month in months(date_range):
        outstanding += sum(sums[month].values())
        data.rows.append([month.strftime("%Y-%m"), outstanding, float(outstanding * value)])
    return data


def redemption_rate(date_range: DateRange) -> ChartData:
    """Points earned (earn + bonus) and redeemed each month, and redeemed as a percentage of earned."""
    _, sums = _monthly(date_range)
    data = ChartData(columns=["month", "earned", "redeemed", "redemption_rate_percent"])
    for month in months(date_range):
        earned = sum(sums[month][kind] for kind in EARNING)
        redeemed = -sums[month][LedgerEntryKind.REDEEM]
        data.rows.append([month.strftime("%Y-%m"), earned, redeemed, round(100 * redeemed / earned, 1) if earned else None])
    return data
