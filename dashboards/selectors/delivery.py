"""Delivery of members' messages per channel and day: sent, and what the providers and tracking reported
(delivered, opened, clicked, bounced, complained, unsubscribed), with the rates; and the warning staff get
when the bounce or complaint rate of a channel passes its threshold."""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate

from campaigns.models import OutboxMessage, OutboxStatus
from core.timezones import shop_day_start, shop_today, shop_zone
from customers.models import EngagementEvent

from .base import ChartData, DateRange, as_date

CHANNELS = ["email", "sms", "push"]
# EngagementEvent kind -> column; each message counts once per kind (a member opening twice is one open)
REPORTED = {"delivered": "delivered", "open": "opened", "click": "clicked", "bounce": "bounced",
            "complaint": "complained", "unsubscribe": "unsubscribed"}
COUNTS = ["sent", *REPORTED.values()]
RATES = ["delivered_percent", "open_percent", "click_percent", "bounce_percent", "complaint_percent"]


def _pct(part: int, whole: int):
    return round(100 * part / whole, 2) if whole else None


def rates(counts: dict) -> list:
    """Delivered, bounced and complained as a share of sent; opened and clicked of delivered (of sent while the
    provider reports no deliveries, as SMTP does not)."""
    sent, delivered = counts["sent"], counts["delivered"]
    base = delivered or sent
    return [_pct(delivered, sent), _pct(counts["opened"], base), _pct(counts["clicked"], base),
            _pct(counts["bounced"], sent), _pct(counts["complained"], sent)]


def delivery_counts(start: dt.datetime, end: dt.datetime, *, by_day: bool = True) -> dict:
    """{(day or None, channel): {column: count}} for messages sent and events reported in [start, end): two
    grouped queries over all messages, whatever their number. Only our own sends count (imported ESP history
    has no outbox key)."""
    zone = shop_zone()
    counts = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    sent = (OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED, sent_at__gte=start, sent_at__lt=end,
                                         sent_channel__in=CHANNELS))
    sent = sent.annotate(day=TruncDate("sent_at", tzinfo=zone)).values_list("day", "sent_channel") if by_day else \
        sent.values_list("sent_channel")
    for *day, channel, n in sent.annotate(n=Count("id")).order_by():
        counts[(as_date(day[0]) if day else None, channel)]["sent"] = n
    events = EngagementEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end, kind__in=list(REPORTED),
                                            channel__in=CHANNELS, message_ref__startswith="outbox-")
    events = events.annotate(day=TruncDate("occurred_at", tzinfo=zone)).values_list("day", "channel", "kind") \
        if by_day else events.values_list("channel", "kind")
    for *day, channel, kind, n in events.annotate(n=Count("message_ref", distinct=True)).order_by():
        counts[(as_date(day[0]) if day else None, channel)][REPORTED[kind]] = n
    return counts


def _range_bounds(date_range: DateRange):
    return shop_day_start(date_range.start), shop_day_start(date_range.end + dt.timedelta(days=1))


def channel_daily(channel: str):
    def selector(date_range: DateRange) -> ChartData:
        counts = delivery_counts(*_range_bounds(date_range))
        data = ChartData(columns=["day", *COUNTS, *RATES])
        if not any(key[1] == channel for key in counts):
            return data
        for day in date_range.days():
            row = counts.get((day, channel), dict.fromkeys(COUNTS, 0))
            data.rows.append([day.isoformat(), *(row[c] for c in COUNTS), *rates(row)])
        return data
    selector.__doc__ = f"Per day: {channel} messages sent and reported, and the rates."
    return selector


def channel_totals(date_range: DateRange) -> ChartData:
    """Per channel over the range: the counts and the rates."""
    counts = delivery_counts(*_range_bounds(date_range), by_day=False)
    data = ChartData(columns=["channel", *COUNTS, *RATES])
    for channel in CHANNELS:
        if (None, channel) in counts:
            row = counts[(None, channel)]
            data.rows.append([channel, *(row[c] for c in COUNTS), *rates(row)])
    return data


@dataclass(frozen=True)
class RateWarning:
    channel: str
    measure: str  # "bounce" or "complaint"
    percent: float
    threshold: float
    sent: int
    days: int


def delivery_rate_warnings(*, today: dt.date | None = None) -> list[RateWarning]:
    """Channels whose bounce or complaint rate over the last DELIVERY_WARNING_DAYS passed its threshold
    (DELIVERY_BOUNCE_WARNING_PERCENT, DELIVERY_COMPLAINT_WARNING_PERCENT), once at least
    DELIVERY_WARNING_MIN_SENT messages went out (a handful of sends says nothing). Two grouped queries."""
    today = today or shop_today()
    days = settings.DELIVERY_WARNING_DAYS
    counts = delivery_counts(shop_day_start(today - dt.timedelta(days=days - 1)),
                             shop_day_start(today + dt.timedelta(days=1)), by_day=False)
    thresholds = {"bounce": settings.DELIVERY_BOUNCE_WARNING_PERCENT,
                  "complaint": settings.DELIVERY_COMPLAINT_WARNING_PERCENT}
    warnings = []
    for channel in CHANNELS:
        row = counts.get((None, channel))
        if row is None or row["sent"] < settings.DELIVERY_WARNING_MIN_SENT:
            continue
        for measure, column in (("bounce", "bounced"), ("complaint", "complained")):
            percent = 100 * row[column] / row["sent"]
            if percent > thresholds[measure]:
                warnings.append(RateWarning(channel, measure, round(percent, 2), thresholds[measure], row["sent"], days))
    return warnings
