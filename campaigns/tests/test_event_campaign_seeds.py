"""The seeded event campaigns of migration 0022: a review request seven days after an order is delivered, and a
welcome offer on the app's first start (counted once the sign-in attaches the anonymous event)."""
import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from campaigns.models import (Campaign, CampaignEntry, CampaignSettings, MemberOffer, OutboxMessage, PlannedAction,
                              PlannedActionStatus, ReviewRequest, Trigger)
from campaigns.services.actions import planned_actions_run
from campaigns.services.event_triggers import event_campaign_enter
from campaigns.services.message_content import render_step_message
from core.timezones import shop_zone
from customers.tests.factories import MemberFactory
from events.services import events_attach_anonymous, events_ingest
from events.tests.factories import event_types  # noqa: F401
from loyalty.models import Coupon
from loyalty.services.orders import order_upsert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]


@pytest.fixture(autouse=True)
def seeded():
    CampaignSettings.objects.all().delete()
    CampaignSettings.objects.create(quiet_hours_start=0, quiet_hours_end=0)
    importlib.import_module("campaigns.migrations.0022_delivery_review_and_welcome_campaigns").seed(apps, None)


def switched_on(slug):
    Campaign.objects.filter(slug=slug).update(is_active=True, holdout_percent=0)
    return Campaign.objects.get(slug=slug)


def ingest(item):
    result = events_ingest(source="shop", items=[item])
    assert result.accepted == [0], result.rejected


def test_the_seeds_are_off_and_in_russian():
    campaigns = {c.slug: c for c in Campaign.objects.filter(slug__in=["event-review-request", "event-welcome-offer"])}
    assert set(campaigns) == {"event-review-request", "event-welcome-offer"}
    assert all(c.trigger == Trigger.EVENT and not c.is_active for c in campaigns.values())
    assert campaigns["event-review-request"].event_type.key == "order_delivered"
    assert campaigns["event-welcome-offer"].event_type.key == "app_first_opened"
    assert campaigns["event-review-request"].name == "Отзыв о доставленном заказе"


def test_a_delivered_order_gets_a_review_request_for_that_order_seven_days_later():
    # given two completed orders; the shop reports the earlier one delivered
    campaign = switched_on("event-review-request")
    member = MemberFactory(email="r@example.com", first_name="Олег")
    for external_id, days_ago in (("O-7", 3), ("O-8", 1)):
        order_upsert(source="shop", external_id=external_id, member=member, status="completed", total=Decimal("900"),
                     created_at=timezone.now() - dt.timedelta(days=days_ago), currency="RUB", channel="web", lines=[])
    ingest({"id": "d-7", "type": "order_delivered", "member": member.external_id, "properties": {"order": "O-7"}})
    # when the trigger runs (twice: the task and the sweep)
    event_campaign_enter(campaign=campaign)
    event_campaign_enter(campaign=campaign)
    entry = CampaignEntry.objects.get(campaign=campaign, member=member)
    # then nothing is asked before day 6, the request on day 6 is about O-7, and the mail is due on day 7
    assert planned_actions_run(now=entry.triggered_at + dt.timedelta(days=5)).total() == 0
    planned_actions_run(now=entry.triggered_at + dt.timedelta(days=6, minutes=1))
    request = ReviewRequest.objects.get(member=member)
    assert request.order.external_id == "O-7"
    message = OutboxMessage.objects.get(member=member)
    day_7 = (entry.triggered_at + dt.timedelta(days=7)).astimezone(shop_zone()).date()  # the shop's calendar
    assert message.due_at.astimezone(shop_zone()).date() == day_7
    email = render_step_message(message, channel="email")
    assert email.subject == "Как вам заказ O-7?"
    assert email.body.startswith("Здравствуйте, Олег!") and request.token in email.body


def test_no_review_is_asked_about_a_delivered_order_that_was_returned():
    campaign = switched_on("event-review-request")
    member = MemberFactory()
    order, _ = order_upsert(source="shop", external_id="O-1", member=member, status="completed", total=Decimal("900"),
                            created_at=timezone.now() - dt.timedelta(days=2), currency="RUB", channel="web", lines=[])
    ingest({"id": "d-1", "type": "order_delivered", "member": member.external_id, "properties": {"order": "O-1"}})
    event_campaign_enter(campaign=campaign)
    order_upsert(source="shop", external_id="O-1", member=member, status="returned", total=Decimal("900"),
                 created_at=order.created_at, currency="RUB", channel="web", lines=[])
    planned_actions_run(now=timezone.now() + dt.timedelta(days=6, minutes=1))
    assert not ReviewRequest.objects.exists()
    assert PlannedAction.objects.get().status == PlannedActionStatus.SKIPPED


def test_an_order_delivered_event_without_the_order_is_refused():
    result = events_ingest(source="shop", items=[{"id": "d", "type": "order_delivered", "member": "x",
                                                  "properties": {}}])
    assert [r.code for r in result.rejected] == ["invalid_properties"]


def test_the_first_app_open_before_sign_in_brings_one_welcome_offer_once_attached():
    # given the app's first start, before the member signed in
    campaign = switched_on("event-welcome-offer")
    member = MemberFactory(first_name="Вера")
    ingest({"id": "first-1", "type": "app_first_opened", "anonymous_id": "install-1",
            "properties": {"platform": "android"}})
    assert event_campaign_enter(campaign=campaign) == 0
    # when they sign in (the sign-in attaches it) and the campaign and its actions run
    events_attach_anonymous(anonymous_id="install-1", member_id=member.pk)
    assert event_campaign_enter(campaign=campaign) == 1
    planned_actions_run(now=timezone.now() + dt.timedelta(minutes=1))
    # then a 10 % coupon is shown as an offer in the app, and the push points there
    offer = MemberOffer.objects.get(member=member)
    assert offer.title == "Скидка 10 % на первый заказ" and offer.coupon.template.discount_value == Decimal("10")
    push = render_step_message(OutboxMessage.objects.get(member=member), channel="push")
    assert push.subject == "Подарок для вас" and "«Предложения»" in push.body


def test_a_reinstalled_app_brings_no_second_welcome_coupon_nor_push():
    campaign = switched_on("event-welcome-offer")
    member = MemberFactory()
    for n in (1, 2):  # the app installed twice: two first starts
        ingest({"id": f"first-{n}", "type": "app_first_opened", "member": member.external_id,
                "time": (timezone.now() - dt.timedelta(minutes=10 - n)).isoformat()})
    event_campaign_enter(campaign=campaign)
    planned_actions_run(now=timezone.now() + dt.timedelta(minutes=1))
    # the campaign is entered once per member (0025): one coupon, one push, no failed second coupon
    assert Coupon.objects.filter(member=member).count() == 1
    assert list(PlannedAction.objects.values_list("status", flat=True)) == [PlannedActionStatus.DONE]
    assert OutboxMessage.objects.filter(member=member).count() == 1
