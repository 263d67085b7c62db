import datetime as dt
import importlib

import pytest
from django.apps import apps

from analytics.services import clv_fit
from campaigns.models import Campaign, CampaignEntry
from loyalty.demo_shop.service import demo_data_generate
from customers.models import Member
from lifecycle.services import lifecycle_recompute
from loyalty.models import LedgerEntry, MemberAccount, Tier
from segments.models import Segment, SegmentSizeSnapshot
from segments.services import segment_save_rules, segments_refresh_all
from segments.stats.refresh import member_stats_refresh

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def demo_shop(db):
    return demo_shop_create()


def demo_shop_create():
    """200 demo members with two years of orders, then what the nightly jobs make of them on a few days:
    statistics, lifecycle moves, segment sizes, CLV; plus tiers and a points ledger."""
    importlib.import_module("lifecycle.migrations.0002_default_stages").seed(apps, None)
    demo_data_generate(members=200, seed=3, as_of=AS_OF)
    buyers = Segment.objects.create(slug="buyers", name="Buyers")
    segment_save_rules(segment=buyers, rules={"type": "stat", "field": "orders_count", "op": "gte", "value": 1})
    for days_back in (120, 60, 0):
        day = AS_OF - dt.timedelta(days=days_back)
        member_stats_refresh(as_of=day)
        lifecycle_recompute(as_of=day)
        segments_refresh_all()
        # the refresh stamps the real clock; these refreshes stand for the nightly runs of past days
        SegmentSizeSnapshot.objects.filter(taken_at__gt=_at(AS_OF)).update(taken_at=_at(day))
    clv_fit(as_of=AS_OF, time_unit="weeks")
    silver, gold = Tier.objects.create(slug="silver", name="Silver", rank=1), Tier.objects.create(slug="gold", name="Gold", rank=2)
    members = list(Member.objects.order_by("id")[:30])
    for n, member in enumerate(members):
        MemberAccount.objects.create(member=member, tier=gold if n % 3 == 0 else silver if n % 3 == 1 else None)
        LedgerEntry.objects.create(member=member, kind="earn", points=100 + n, created_at=_at(AS_OF - dt.timedelta(days=40)))
        if n % 2:
            LedgerEntry.objects.create(member=member, kind="redeem", points=-50, created_at=_at(AS_OF - dt.timedelta(days=5)))
    campaign = Campaign.objects.create(slug="winback", name="Win-back", trigger="broadcast", segment=buyers,
                                       holdout_percent=30)
    for n, member in enumerate(Member.objects.order_by("id")[:60]):
        CampaignEntry.objects.create(campaign=campaign, member=member, occurrence="broadcast",
                                     triggered_at=_at(AS_OF - dt.timedelta(days=60)), is_holdout=n % 3 == 0)
    _messages_sent(Member.objects.order_by("id")[:5], on=AS_OF - dt.timedelta(days=10))
    return AS_OF


def _messages_sent(members, *, on):
    """A message to each member on each channel, the providers reporting most delivered and one email opened."""
    from campaigns.models import OutboxMessage
    from customers.models import EngagementEvent

    at = _at(on)
    for channel in ("email", "sms", "push"):
        for n, member in enumerate(members):
            message = OutboxMessage.objects.create(
                dedupe_key=f"demo:{channel}:{member.pk}", member=member, channel=channel, sent_channel=channel,
                status="delivered", due_at=at, sent_at=at, sent_to="x")
            kinds = ["delivered"] if n else ["bounce"]
            if channel == "email" and n == 1:
                kinds.append("open")
            EngagementEvent.objects.bulk_create(EngagementEvent(
                member=member, channel=channel, kind=kind, occurred_at=at + dt.timedelta(hours=1),
                message_ref=message.idempotency_key) for kind in kinds)


def _at(day):
    from core.timezones import shop_day_start

    return shop_day_start(day) + dt.timedelta(hours=12)
