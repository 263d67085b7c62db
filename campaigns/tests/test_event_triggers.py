"""Event-triggered campaigns: a delay, an "unless", one entry per member per triggering event, the event's data in
the message (abandoned cart's items, expiring points' amount and date)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, CampaignStep, OutboxMessage, Trigger
from campaigns.services.event_triggers import event_campaign_enter
from campaigns.services.message_content import render_step_message
from customers.tests.factories import MemberFactory
from events.models import Event, EventType
from events.tests.factories import event_types  # noqa: F401
from events.services import events_ingest
from loyalty.services.orders import order_upsert

from .factories import permissive_send_rules

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]
CART = {"value": 4200, "items": [{"sku": "K-1", "name": "Чайник", "quantity": 1, "price": 3000},
                                 {"sku": "M-2", "name": "Кружка", "quantity": 2, "price": 600}]}


@pytest.fixture(autouse=True)
def _any_hour():
    # no quiet hours and no default send hour: a message queued after the shop's midnight is due at once
    permissive_send_rules()


def abandoned_cart(delay=4 * 3600):
    campaign = Campaign.objects.create(
        slug="cart", name="Abandoned cart", trigger=Trigger.EVENT, holdout_percent=0, event_delay_seconds=delay,
        event_type=EventType.objects.get(key="cart_updated"),
        unless_event_type=EventType.objects.get(key="order_completed"))
    CampaignStep.objects.create(
        campaign=campaign, action="message", channel="email", subject_template="Вы забыли корзину",
        body_template="{% for item in event.items %}{{ item.name }} × {{ item.quantity }}\n{% endfor %}")
    return campaign


def cart_event(member, event_id, at):
    result = events_ingest(source="shop", items=[{"id": event_id, "type": "cart_updated", "member": member.external_id,
                                                  "time": at.isoformat(), "properties": CART}])
    assert result.accepted == [0]


def order(member, at):
    order_upsert(source="shop", external_id=f"O-{member.pk}", member=member, created_at=at, status="completed",
                 total=Decimal("4200"), currency="RUB", channel="web", lines=[])


def test_an_abandoned_cart_sends_one_message_listing_that_carts_items():
    # given a cart left four hours and five minutes ago (the delay is four hours)
    campaign, member = abandoned_cart(), MemberFactory(email="a@example.com")
    cart_event(member, "c1", timezone.now() - dt.timedelta(hours=4, minutes=5))
    # when the trigger runs, twice (a task and the sweep)
    event_campaign_enter(campaign=campaign)
    event_campaign_enter(campaign=campaign)
    # then one entry and one message, naming the cart's items
    assert CampaignEntry.objects.filter(campaign=campaign, member=member).count() == 1
    message = OutboxMessage.objects.get(member=member)
    content = render_step_message(message, channel="email")
    assert "Чайник × 1" in content.body and "Кружка × 2" in content.body


def test_no_message_before_the_delay_ends():
    campaign, member = abandoned_cart(), MemberFactory()
    cart_event(member, "c1", timezone.now() - dt.timedelta(hours=3))
    assert event_campaign_enter(campaign=campaign) == 0
    assert event_campaign_enter(campaign=campaign, now=timezone.now() + dt.timedelta(hours=1, minutes=1)) == 1


def test_an_order_after_the_cart_means_no_message():
    campaign, member = abandoned_cart(), MemberFactory()
    cart_event(member, "c1", timezone.now() - dt.timedelta(hours=4, minutes=5))
    order(member, timezone.now() - dt.timedelta(hours=1))
    assert event_campaign_enter(campaign=campaign) == 0
    assert not OutboxMessage.objects.exists()


def test_a_newer_cart_within_the_delay_replaces_the_older_one():
    campaign, member = abandoned_cart(), MemberFactory()
    cart_event(member, "c1", timezone.now() - dt.timedelta(hours=4, minutes=10))
    cart_event(member, "c2", timezone.now() - dt.timedelta(hours=4, minutes=5))
    assert event_campaign_enter(campaign=campaign) == 1
    entry = CampaignEntry.objects.get(campaign=campaign)
    from events.models import Event

    assert entry.occurrence == f"event:{Event.objects.get(event_id='c2').pk}"


def test_expiring_points_reminder_names_the_amount_and_date():
    from loyalty.models import PointsLot
    from loyalty.services import points_award_bonus
    from loyalty.services.daily import points_expiring_record

    # given 300 points expiring in ten days and 200 more a month later, and a reminder campaign
    member, today = MemberFactory(email="p@example.com"), timezone.localdate()
    points_award_bonus(member=member, points=300, reason="A", cause_key="a", expires_on=today + dt.timedelta(days=10))
    points_award_bonus(member=member, points=200, reason="B", cause_key="b", expires_on=today + dt.timedelta(days=40))
    assert PointsLot.objects.count() == 2
    campaign = Campaign.objects.create(slug="expiring", name="Expiring", trigger=Trigger.EVENT, holdout_percent=0,
                                       event_type=EventType.objects.get(key="points_expiring"))
    CampaignStep.objects.create(campaign=campaign, action="message", channel="email", subject_template="Баллы сгорают",
                                body_template="{{ event.points }} баллов сгорят {{ event.expires_on_local }}")
    # when the daily pass announces them (twice: the pass may run again) and the campaign runs
    points_expiring_record(today=today)
    points_expiring_record(today=today)
    event_campaign_enter(campaign=campaign)
    # then one message names 300 points and the day they expire
    message = OutboxMessage.objects.get(member=member)
    expected = f"300 баллов сгорят {today + dt.timedelta(days=10):%d.%m.%Y}"
    assert render_step_message(message, channel="email").body == expected


@pytest.mark.worker
def test_abandoned_cart_on_a_real_worker_one_message_with_the_items_none_after_an_order(celery_worker_process,
                                                                                       tmp_path):
    from campaigns.models import OutboxStatus
    from campaigns.tasks import outbox_send_due_task
    from core.testing.celery_worker import wait_until
    from events.tests.factories import seed_event_types

    # given an abandoned-cart campaign with a three-second wait, and two shoppers who may be mailed
    seed_event_types()
    campaign = abandoned_cart(delay=3)
    left, bought = (MemberFactory(email=f"{name}@example.com", email_consent=True) for name in ("left", "bought"))
    provider_log = tmp_path / "provider.log"
    worker = celery_worker_process(extra_env={
        "CAMPAIGNS_EMAIL_CHANNEL": "campaigns.channels.recording.FileRecordingChannel",
        "CAMPAIGNS_RECORDING_PATH": str(provider_log)})
    # when both fill a cart (each commit queues the campaign's task for when the wait ends) and one orders at once
    cart_event(left, "cart-left", timezone.now())
    cart_event(bought, "cart-bought", timezone.now())
    order(bought, timezone.now())
    # then after the wait the worker enters the first and queues one message, never the second
    # (one task, or two when the carts' commits fell in different seconds: services.event_enter_requests)
    def trigger_tasks_done():
        lines = [line for line in worker.log().splitlines() if "event_campaign_enter_task[" in line]
        received = sum("received" in line for line in lines)
        return received and received == sum("succeeded" in line for line in lines)

    wait_until(lambda: CampaignEntry.objects.filter(member=left).exists() and trigger_tasks_done(), timeout=40,
               message="the queued trigger tasks received and done")
    # and the sender (the outbox's beat tick; test settings do not kick it after commits) delivers it
    outbox_send_due_task.delay()
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).exists(), timeout=40,
               message="the abandoned-cart mail delivered")
    message = OutboxMessage.objects.get()
    assert message.member == left and message.campaign_step.campaign == campaign
    body = render_step_message(message, channel="email").body
    assert "Чайник × 1" in body and "Кружка × 2" in body
    delivered = [line for line in provider_log.read_text().splitlines() if line.startswith("delivered")]
    assert delivered == [f"delivered outbox-{message.pk} left@example.com"]
    assert not CampaignEntry.objects.filter(member=bought).exists()


def test_the_seeded_tier_congratulation_names_the_new_tier():
    import importlib

    from django.apps import apps

    from loyalty.models import Tier
    from loyalty.signals import tier_changed

    # given the seeded event campaigns (off by default), the tier one switched on without a holdout
    importlib.import_module("campaigns.migrations.0019_event_campaigns").seed(apps, None)
    assert not Campaign.objects.filter(trigger=Trigger.EVENT, is_active=True).exists()
    campaign = Campaign.objects.get(slug="event-tier-congratulation")
    Campaign.objects.filter(pk=campaign.pk).update(is_active=True, holdout_percent=0)
    member = MemberFactory(email="t@example.com")
    gold = Tier.objects.create(slug="gold-test", name="Золото", rank=99, threshold=Decimal("10000"))
    # when the member moves up
    tier_changed.send(sender=Tier, member=member, from_tier=None, to_tier=gold)
    event_campaign_enter(campaign=campaign)
    # then the message names the tier, in every variant
    message = OutboxMessage.objects.get(member=member)
    assert render_step_message(message, channel="email").subject == "Поздравляем: теперь ваш уровень — Золото"
    assert render_step_message(message, channel="sms").body == "Поздравляем! Ваш новый уровень — Золото."


def test_an_anonymous_cart_attached_at_sign_in_triggers_the_abandoned_cart(monkeypatch, django_capture_on_commit_callbacks):
    from campaigns import tasks
    from events.services import events_attach_anonymous

    # given a cart left by a visitor not signed in yet, and an active abandoned-cart campaign
    campaign, member = abandoned_cart(), MemberFactory(email="anon@example.com")
    Campaign.objects.filter(pk=campaign.pk).update(is_active=True)
    at = timezone.now() - dt.timedelta(hours=4, minutes=5)
    assert events_ingest(source="shop", items=[{"id": "c1", "type": "cart_updated", "anonymous_id": "web-1",
                                                "time": at.isoformat(), "properties": CART}]).accepted == [0]
    assert event_campaign_enter(campaign=campaign) == 0  # nobody to send to yet
    queued = []
    monkeypatch.setattr(tasks.event_campaign_enter_task, "apply_async",
                        lambda args, **kwargs: queued.append((args, kwargs)))
    # when the visitor signs in with that anonymous id
    with django_capture_on_commit_callbacks(execute=True):
        events_attach_anonymous(anonymous_id="web-1", member_id=member.pk)
    # then the campaign's task is queued at once (not left to the sweep), and it enters the member with that cart
    assert [args[0] for args, _kwargs in queued] == [campaign.pk]
    assert event_campaign_enter(campaign=campaign) == 1
    message = OutboxMessage.objects.get(member=member)
    assert "Чайник × 1" in render_step_message(message, channel="email").body


def test_the_seeded_points_expiring_reminder_names_the_amount_and_date():
    import importlib

    from django.apps import apps

    from loyalty.services import points_award_bonus
    from loyalty.services.daily import points_expiring_record

    # given the seeded reminder switched on without a holdout, and 300 points expiring in ten days (200 later)
    importlib.import_module("campaigns.migrations.0019_event_campaigns").seed(apps, None)
    campaign = Campaign.objects.get(slug="event-points-expiring")
    Campaign.objects.filter(pk=campaign.pk).update(is_active=True, holdout_percent=0)
    member, today = MemberFactory(email="p@example.com", first_name="Анна"), timezone.localdate()
    points_award_bonus(member=member, points=300, reason="A", cause_key="a", expires_on=today + dt.timedelta(days=10))
    points_award_bonus(member=member, points=200, reason="B", cause_key="b", expires_on=today + dt.timedelta(days=40))
    # when the daily pass announces them and the campaign runs
    points_expiring_record(today=today)
    event_campaign_enter(campaign=Campaign.objects.get(pk=campaign.pk))
    # then its subject, email, SMS and push name 300 points and the day they expire
    message = OutboxMessage.objects.get(member=member)
    date = f"{today + dt.timedelta(days=10):%d.%m.%Y}"
    email = render_step_message(message, channel="email")
    assert email.subject == f"300 баллов сгорят {date}"
    assert email.body.startswith("Здравствуйте, Анна!") and f"300 баллов сгорят {date}." in email.body
    assert render_step_message(message, channel="sms").body == f"300 баллов сгорят {date}. Потратьте их до этой даты."


def test_a_campaign_entered_once_per_member_ignores_a_second_first_start_after_a_reinstall():
    # given a welcome campaign on the app's first start, entered once per member, and a member whose first start
    # came twice at once (two devices) and a reinstall's a day later
    campaign = Campaign.objects.create(
        slug="welcome", name="Welcome", trigger=Trigger.EVENT, holdout_percent=0, event_delay_seconds=0,
        enters_once=True, event_type=EventType.objects.get(key="app_first_opened"))
    CampaignStep.objects.create(campaign=campaign, action="message", channel="email", subject_template="Привет",
                                body_template="Добро пожаловать")
    member, other = MemberFactory(email="w@example.com"), MemberFactory(email="o@example.com")
    now = timezone.now()
    for event_id, who, at in [("d1", member, now - dt.timedelta(days=1, minutes=2)),
                              ("d2", member, now - dt.timedelta(days=1, minutes=1)),
                              ("o1", other, now - dt.timedelta(days=1, minutes=1))]:
        assert events_ingest(source="app", items=[{"id": event_id, "type": "app_first_opened", "member": who.external_id,
                                                   "time": at.isoformat(), "properties": {}}]).accepted == [0]
    event_campaign_enter(campaign=campaign, since=now - dt.timedelta(days=2))
    # when the app is reinstalled and starts for the "first" time again
    assert events_ingest(source="app", items=[{"id": "d3", "type": "app_first_opened", "member": member.external_id,
                                               "time": now.isoformat(), "properties": {}}]).accepted == [0]
    event_campaign_enter(campaign=campaign)
    # then each member entered once, on their earliest first start, and got one welcome
    entries = CampaignEntry.objects.filter(campaign=campaign)
    assert sorted(entries.values_list("member_id", flat=True)) == sorted([member.pk, other.pk])
    earliest = Event.objects.get(event_id="d1")
    assert entries.get(member=member).occurrence == f"event:{earliest.pk}"
    assert OutboxMessage.objects.filter(member=member).count() == 1
