"""The seeded abandoned-cart journey runs from a real cart event to one A/B message listing the cart's items; an
adaptive split moves its traffic to the variant that converts better."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, OutboxMessage
from campaigns.services.event_triggers import event_campaign_enter
from campaigns.services.message_content import render_step_message
from customers.tests.factories import MemberFactory
from events.services import events_ingest
from events.tests.factories import event_types  # noqa: F401
from loyalty.services.orders import order_upsert

from ..models import Journey, JourneyMember, JourneyVariant, JourneyVisit, MemberStatus, NodeKind, SplitMode
from ..services.engine import journey_advance
from ..services.graph import graph_problems
from ..services.shares import split_shares_refresh
from .factories import action, enter, journey_create, node, variant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]
CART = {"value": 4200, "items": [{"sku": "K-1", "name": "Чайник", "quantity": 1, "price": 3000}]}


def seeded_journey(django_db_setup=None):
    """The seeded journey (brought back when a transactional test flushed the migrations' rows)."""
    journey = Journey.objects.filter(campaign__slug="journey-abandoned-cart").first()
    if journey is None:
        import importlib

        from django.apps import apps

        importlib.import_module("journeys.migrations.0003_demo_abandoned_cart").seed(apps, None)
        journey = Journey.objects.get(campaign__slug="journey-abandoned-cart")
    return journey


def test_the_seeded_journey_is_off_and_its_graph_is_sound():
    journey = seeded_journey()
    assert not journey.campaign.is_active and journey.campaign.is_journey
    assert graph_problems(list(journey.nodes.all())) == []
    assert [n.kind for n in journey.nodes.order_by("position")] == [
        NodeKind.SPLIT, NodeKind.ACTION, NodeKind.ACTION, NodeKind.WAIT, NodeKind.BRANCH, NodeKind.ACTION, NodeKind.EXIT]


def test_a_cart_left_four_hours_gets_one_ab_message_with_its_items_and_an_order_ends_the_journey():
    # given the seeded journey switched on, without holdout, and a cart left 4 h 5 min ago
    journey = seeded_journey()
    Campaign.objects.filter(pk=journey.campaign_id).update(is_active=True, holdout_percent=0)
    journey.campaign.refresh_from_db()
    member = MemberFactory(email="cart@example.com", email_consent=True)
    left_at = timezone.now() - dt.timedelta(hours=4, minutes=5)
    result = events_ingest(source="shop", items=[{"id": "c1", "type": "cart_updated", "member": member.external_id,
                                                  "time": left_at.isoformat(), "properties": CART}])
    assert result.accepted == [0]
    # when the campaign's trigger enters the member and the journey advances (twice: a kick and the beat)
    event_campaign_enter(campaign=journey.campaign)
    journey_advance(journey_id=journey.pk)
    journey_advance(journey_id=journey.pk)
    # then exactly one message of variant A or B, listing the cart's items
    entry = CampaignEntry.objects.get(campaign=journey.campaign, member=member)
    message = OutboxMessage.objects.get(entry=entry)
    assert message.campaign_step.position in (0, 1)
    assert "Чайник × 1" in render_step_message(message, channel="email").body
    split_visit = JourneyVisit.objects.get(journey_member__entry=entry, node__kind=NodeKind.SPLIT)
    assert split_visit.variant.key in ("A", "B")
    # when the member orders, the journey ends for them before the reminder
    order_upsert(source="shop", external_id="O-1", member=member, created_at=timezone.now(), status="completed",
                 total=Decimal("4200"), currency="RUB", channel="web", lines=[])
    journey_advance(journey_id=journey.pk, now=timezone.now() + dt.timedelta(days=1, minutes=5))
    assert JourneyMember.objects.get(entry=entry).status == MemberStatus.CONVERTED
    assert OutboxMessage.objects.filter(entry=entry).count() == 1


def test_an_adaptive_split_moves_traffic_to_the_variant_that_converts():
    # given an adaptive split whose members' windows closed: A converted 2 of 20, B 12 of 20
    journey = journey_create(conversion_window_days=1)
    split = node(journey, 0, NodeKind.SPLIT, split_mode=SplitMode.ADAPTIVE)
    va, vb = variant(split, "A", action(journey, 1, "A")), variant(split, "B", action(journey, 2, "B"))
    people = [MemberFactory(email_consent=True) for _ in range(60)]
    past = timezone.now() - dt.timedelta(days=3)
    enter(journey, people, triggered_at=past)
    journey_advance(journey_id=journey.pk, now=past)
    converted = {va.pk: 0, vb.pk: 0}
    for visit in JourneyVisit.objects.filter(node=split).select_related("journey_member__member"):
        goal = 2 if visit.variant_id == va.pk else 12
        if converted[visit.variant_id] < goal:
            converted[visit.variant_id] += 1
            order_upsert(source="shop", external_id=f"O-{visit.journey_member.member_id}",
                         member=visit.journey_member.member, created_at=past + dt.timedelta(hours=2),
                         status="completed", total=Decimal("1000"), currency="RUB", channel="web", lines=[])
    assert min(JourneyVisit.objects.filter(node=split, variant=v).count() for v in (va, vb)) >= 12
    # when the shares are refreshed
    shares = split_shares_refresh(node=split)
    # then B gets most of the new traffic, and the shares are stored
    assert shares[1] > 0.8 and abs(sum(shares) - 1) < 1e-9
    assert JourneyVariant.objects.get(pk=vb.pk).traffic_share == pytest.approx(shares[1])
