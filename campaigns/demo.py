"""Run the seeded campaigns over the demo shop's past (used by `seed_demo_campaigns`; demo data only).

Sends go to a discarding back end. Opens, clicks and the response of treated members are simulated
with a seeded random generator and marked as such (orders get source "demo-campaign").
"""
import datetime as dt
import random
from decimal import Decimal

from django.db.models import Avg
from django.utils import timezone

from core.timezones import shop_day_start
from customers.models import EngagementEvent
from lifecycle.services import lifecycle_recompute
from loyalty.models import Order, OrderStatus

from .models import Campaign, CampaignEntry, OutboxMessage, OutboxStatus
from .results import campaign_results
from .services.actions import planned_actions_run
from .services.outbox import outbox_send_due

OPEN_RATE, CLICK_RATE = 0.35, 0.25  # clicks as a share of opens


def demo_campaigns_run(*, days: int, until: dt.date, response_rate: float, seed: int, progress=print) -> list[str]:
    rng = random.Random(seed)
    first = until - dt.timedelta(days=days - 1)
    Campaign.objects.filter(slug__startswith="stage-").update(is_active=True)  # the demo shop runs the seeded ones
    for number in range(days):
        day = first + dt.timedelta(days=number)
        lifecycle_recompute(as_of=day)  # its signal enters the day's stage campaigns
        start = shop_day_start(day)
        for hour in range(0, 24):
            now = start + dt.timedelta(hours=hour, minutes=30)
            planned_actions_run(now=now)
            outbox_send_due(now=now, time_budget=600)
        if number % 5 == 4 or number == days - 1:
            progress(f"{day}: {CampaignEntry.objects.count()} entries, "
                     f"{OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count()} messages sent")
    _simulate_engagement(rng)
    _simulate_response(rng, response_rate)
    lines = []
    for campaign in Campaign.objects.filter(entries__isnull=False).distinct():
        results = campaign_results(campaign=campaign)
        uplift = results.uplift
        lines.append(f"{campaign}: entered {results.treated.entered}+{results.holdout.entered} holdout, "
                     f"converted {results.treated.rate:.1%} vs {results.holdout.rate:.1%}"
                     + (f", uplift {100 * uplift.absolute:+.1f} pp [{100 * uplift.low:+.1f}, {100 * uplift.high:+.1f}]"
                        if uplift else ""))
    return lines


def _simulate_engagement(rng):
    events = []
    for pk, member_id, channel, sent_at in OutboxMessage.objects.filter(
            status=OutboxStatus.DELIVERED, campaign_step__isnull=False, sent_channel="email").values_list(
            "pk", "member_id", "sent_channel", "sent_at"):
        if rng.random() < OPEN_RATE:
            opened = sent_at + dt.timedelta(minutes=rng.randint(5, 600))
            events.append(EngagementEvent(member_id=member_id, channel=channel, kind="open", occurred_at=opened,
                                          message_ref=f"outbox-{pk}"))
            if rng.random() < CLICK_RATE:
                events.append(EngagementEvent(member_id=member_id, channel=channel, kind="click",
                                              occurred_at=opened + dt.timedelta(minutes=1), message_ref=f"outbox-{pk}"))
    EngagementEvent.objects.bulk_create(events, batch_size=2000)


def _simulate_response(rng, response_rate):
    """Some treated members buy within the window because of the campaign (demo orders)."""
    typical = Order.objects.filter(status=OrderStatus.COMPLETED).aggregate(avg=Avg("total"))["avg"] or Decimal("1000")
    orders = []
    for entry in CampaignEntry.objects.filter(is_holdout=False).select_related("campaign__stage"):
        if rng.random() < response_rate:
            days = rng.randint(0, max(0, entry.campaign.effective_conversion_days - 1))
            orders.append(Order(source="demo-campaign", external_id=f"C{entry.pk}", member_id=entry.member_id,
                                created_at=min(entry.triggered_at + dt.timedelta(days=days, hours=rng.randint(1, 10)),
                                               timezone.now()),
                                status=OrderStatus.COMPLETED, total=(Decimal(typical) * Decimal(rng.uniform(0.6, 1.4))
                                                                     ).quantize(Decimal("0.01")), channel="web"))
    Order.objects.bulk_create(orders, batch_size=2000, ignore_conflicts=True)
