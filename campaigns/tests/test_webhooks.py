import json

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.models.webhooks import new_webhook_secret
from campaigns.services import outbox_send_due
from campaigns.services.webhooks import webhook_signature_verify, webhooks_for_stage_transitions
from core.timezones import shop_today
from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory
from lifecycle.models import LifecycleStage, StageTransition
from loyalty.services import coupon_issue
from loyalty.tests.factories import CouponTemplateFactory

from .factories import CampaignMessageFactory, StepFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


def test_coupon_issued_is_delivered_signed_and_retried_with_backoff_after_a_server_error(receiver):
    url, received, statuses = receiver
    subscription = WebhookSubscriptionFactory(url=url, events=["coupon.issued"])
    member = MemberFactory(external_id="C-1")
    # when a coupon is issued and the receiver first answers 503
    coupon = coupon_issue(template=CouponTemplateFactory(), member=member, source="staff", cause_key="k1")
    statuses.append(503)
    outbox_send_due()
    delivery = OutboxMessage.objects.get(purpose="webhook")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (OutboxStatus.PENDING, "ConnectionError: HTTP 503")
    assert delivery.due_at > timezone.now()
    OutboxMessage.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    outbox_send_due()
    # then the second attempt is delivered, and each request is signed with the subscription's secret
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.provider_id) == (OutboxStatus.DELIVERED, 2, "HTTP 200")
    assert len(received) == 2
    headers, body = received[-1]
    assert webhook_signature_verify(secret=subscription.secret, body=body, headers=headers)
    assert not webhook_signature_verify(secret=new_webhook_secret(), body=body, headers=headers)
    assert not webhook_signature_verify(secret=subscription.secret, body=body + b" ", headers=headers)
    payload = json.loads(body)
    assert payload["event"] == headers["X-Loyalty-Event"] == "coupon.issued"
    assert payload["data"] == {"member": "C-1", "code": coupon.code, "template": coupon.template.name,
                               "expires_at": coupon.expires_at.isoformat()}


def test_a_client_error_is_not_retried(receiver):
    url, received, statuses = receiver
    WebhookSubscriptionFactory(url=url, events=["coupon.issued"])
    statuses.append(404)
    coupon_issue(template=CouponTemplateFactory(), member=MemberFactory(), source="staff", cause_key="k2")
    outbox_send_due()
    assert OutboxMessage.objects.get(purpose="webhook").status == OutboxStatus.FAILED


def test_webhook_rows_commit_or_roll_back_with_their_cause():
    WebhookSubscriptionFactory(events=["coupon.issued"])
    with pytest.raises(RuntimeError), transaction.atomic():
        coupon_issue(template=CouponTemplateFactory(), member=MemberFactory(), source="staff", cause_key="k3")
        raise RuntimeError
    assert not OutboxMessage.objects.exists()


def test_a_new_subscription_hears_the_next_event_although_subscriptions_are_cached(settings):
    # given the production cache of subscriptions, warm with one subscriber
    settings.CONFIG_CACHE_SECONDS = 10
    first = WebhookSubscriptionFactory(events=["coupon.issued"])
    template = CouponTemplateFactory()
    coupon_issue(template=template, member=None, source="staff", cause_key="c-1")
    # when staff add a second subscriber (a save clears every process's copy it can reach at once)
    second = WebhookSubscriptionFactory(events=["coupon.issued"])
    coupon_issue(template=template, member=None, source="staff", cause_key="c-2")
    # then the next event goes to both
    hooks = OutboxMessage.objects.filter(purpose="webhook")
    assert sorted(hooks.values_list("to", flat=True)) == sorted([first.url, first.url, second.url])


def test_stage_changes_are_queued_set_based_once_per_transition():
    hook = WebhookSubscriptionFactory(events=["stage.changed"])
    WebhookSubscriptionFactory(events=["tier.changed"])  # not subscribed to stage changes
    loyal = LifecycleStage.objects.get(slug="loyal")
    today = shop_today()
    members = MemberFactory.create_batch(3)
    StageTransition.objects.bulk_create(StageTransition(member=m, to_stage=loyal, occurred_on=today, completed_orders=3)
                                        for m in members)
    assert webhooks_for_stage_transitions(occurred_on=today) == 3
    assert webhooks_for_stage_transitions(occurred_on=today) == 0
    payloads = [m.payload for m in OutboxMessage.objects.filter(webhook_subscription=hook)]
    assert sorted(p["data"]["member"] for p in payloads) == sorted(m.external_id for m in members)
    assert {(p["event"], p["data"]["from_stage"], p["data"]["to_stage"]) for p in payloads} == {
        ("stage.changed", None, "loyal")}


def test_replay_from_admin_queues_a_new_delivery_of_the_same_event(admin_client, receiver):
    url, received, statuses = receiver
    WebhookSubscriptionFactory(url=url, events=["coupon.issued"])
    coupon_issue(template=CouponTemplateFactory(), member=MemberFactory(), source="staff", cause_key="k4")
    outbox_send_due()
    original = OutboxMessage.objects.get(purpose="webhook")
    response = admin_client.post("/admin/campaigns/outboxmessage/",
                                 {"action": "replay", "_selected_action": [original.pk]})
    outbox_send_due()
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(purpose="webhook", status=OutboxStatus.DELIVERED).count() == 2
    (first_headers, first), (second_headers, second) = received
    assert json.loads(first)["id"] == json.loads(second)["id"]
    assert first_headers["X-Loyalty-Delivery"] != second_headers["X-Loyalty-Delivery"]


def test_open_pixel_and_click_redirect_record_engagement():
    # given a delivered marketing email with a link
    member = MemberFactory(email_consent=True)
    message = CampaignMessageFactory(entry__member=member,
                                     campaign_step=StepFactory(body_template="See https://shop.example.com/sale now"))
    outbox_send_due()
    html = mail.outbox[0].alternatives[0][0]
    pixel = html.split('<img src="http://127.0.0.1:8000')[1].split('"')[0]
    click = html.split('<a href="http://127.0.0.1:8000')[1].split('"')[0]
    client = Client()
    # when the member opens the mail and clicks the link
    opened = client.get(pixel)
    clicked = client.get(click)
    forged = client.get(click[:-4] + "xx/")
    # then both are recorded against the message and the click lands on the shop
    assert opened["Content-Type"] == "image/gif"
    assert (clicked.status_code, clicked["Location"]) == (302, "https://shop.example.com/sale")
    assert forged.status_code == 400
    assert sorted(EngagementEvent.objects.filter(message_ref=f"outbox-{message.pk}").values_list("kind", flat=True)) == [
        "click", "open", "sent"]


def test_points_earned_and_tier_changed_are_queued_for_their_subscribers():
    from loyalty.services import points_award_bonus
    from loyalty.signals import tier_changed
    from loyalty.tests.factories import TierFactory

    points_hook = WebhookSubscriptionFactory(events=["points.earned"])
    tier_hook = WebhookSubscriptionFactory(events=["tier.changed"])
    member = MemberFactory(external_id="P-1")
    entry = points_award_bonus(member=member, points=50, reason="Welcome", cause_key="bonus-1")
    tier_changed.send(sender=None, member=member, from_tier=None, to_tier=TierFactory(slug="gold"))
    [earned] = OutboxMessage.objects.filter(webhook_subscription=points_hook)
    [moved] = OutboxMessage.objects.filter(webhook_subscription=tier_hook)
    assert (earned.payload["event"], earned.payload["data"]["points"], earned.dedupe_key) == (
        "points.earned", 50, f"webhook:{points_hook.pk}:points:{entry.pk}")
    assert (moved.payload["event"], moved.payload["data"]) == (
        "tier.changed", {"member": "P-1", "from_tier": None, "to_tier": "gold"})
