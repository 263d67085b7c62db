"""Webhooks per the Standard Webhooks specification, checked by its reference library as an independent
receiver of real deliveries on 127.0.0.1; secret rotation; redirects never followed."""
import base64
import datetime as dt
import hashlib
import hmac
import importlib
import json
import time

import pytest
from django.apps import apps
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from campaigns.models import OutboxMessage, OutboxStatus, WebhookSubscription
from campaigns.services import outbox_send_due
from campaigns.services.webhooks import webhook_signature, webhook_signature_verify
from customers.tests.factories import MemberFactory
from loyalty.services import coupon_issue
from loyalty.tests.factories import CouponTemplateFactory

from .factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


def issue_coupon(key):
    return coupon_issue(template=CouponTemplateFactory(), member=MemberFactory(), source="staff", cause_key=key)


def test_a_real_delivery_verifies_with_the_standard_webhooks_library(receiver):
    # given a subscriber on a local HTTP server
    subscription = WebhookSubscriptionFactory(url=receiver.url, events=["coupon.issued"])
    assert subscription.secret.startswith("whsec_")
    # when an event is delivered
    issue_coupon("std-1")
    outbox_send_due()
    # then the reference library accepts the actual POST, and the id is the event's
    [(headers, body)] = receiver.received
    payload = Webhook(subscription.secret).verify(body, headers)
    assert payload["event"] == "coupon.issued" and headers["webhook-id"] == payload["id"]
    assert len(headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(body.replace(b"coupon", b"c0upon"), headers)


def test_during_a_rotation_both_secrets_verify_and_after_the_overlap_only_the_new_one(admin_client, receiver, settings):
    settings.CAMPAIGNS_WEBHOOK_SECRET_OVERLAP_HOURS = 24
    subscription = WebhookSubscriptionFactory(url=receiver.url, events=["coupon.issued"])
    old_secret = subscription.secret
    # when staff rotate the secret from the admin and an event is delivered
    response = admin_client.post("/admin/campaigns/webhooksubscription/",
                                 {"action": "rotate_secret", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    issue_coupon("rot-1")
    outbox_send_due()
    # then the delivery carries two signatures: a receiver on either secret accepts it
    assert response.status_code == 302 and subscription.secret != old_secret
    headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(body, headers)
    Webhook(subscription.secret).verify(body, headers)
    assert webhook_signature_verify(secret=old_secret, body=body, headers=headers)
    assert webhook_signature_verify(secret=subscription.secret, body=body, headers=headers)
    # when the overlap has passed
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1))
    issue_coupon("rot-2")
    outbox_send_due()
    # then only the new secret signs
    headers, body = receiver.received[-1]
    Webhook(subscription.secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(body, headers)
    assert not webhook_signature_verify(secret=old_secret, body=body, headers=headers)


def test_a_redirect_is_not_followed_but_retried_like_a_server_error(receiver):
    # given a receiver that answers the POST with a permanent redirect
    WebhookSubscriptionFactory(url=receiver.url, events=["coupon.issued"])
    receiver.statuses.append((301, {"Location": "/moved"}))
    issue_coupon("redirect-1")
    # when the worker delivers
    outbox_send_due()
    # then nothing went to the new address (no GET without the body), and the attempt failed with its reason
    delivery = OutboxMessage.objects.get(purpose="webhook")
    assert receiver.strays == []
    assert delivery.status == OutboxStatus.PENDING and delivery.due_at > timezone.now()
    assert delivery.reason.startswith("ConnectionError: HTTP 301 redirect not followed")
    # when the receiver is fixed and the retry is due
    OutboxMessage.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    outbox_send_due()
    # then the retry delivers
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (OutboxStatus.DELIVERED, 2, 2)


def test_the_bundled_verifier_takes_several_signatures_and_refuses_stale_or_unknown_ones():
    first, second, stranger = (WebhookSubscriptionFactory.build().secret for _ in range(3))
    body, now = b'{"id": "e-1"}', int(time.time())
    header = webhook_signature(secrets=[first, second], msg_id="e-1", timestamp=now, body=body)
    headers = {"webhook-id": "e-1", "webhook-timestamp": str(now), "webhook-signature": f"v2,abc {header}"}
    assert webhook_signature_verify(secret=first, body=body, headers=headers)
    assert webhook_signature_verify(secret=second, body=body, headers=headers)
    assert not webhook_signature_verify(secret=stranger, body=body, headers=headers)
    assert not webhook_signature_verify(secret=first, body=body, headers={**headers, "webhook-id": "e-2"})
    assert not webhook_signature_verify(secret=first, body=body, headers=headers, now=now + 301)
    assert not webhook_signature_verify(secret=first, body=body, headers={**headers, "webhook-signature": "v1,%%"})


def test_existing_secrets_are_migrated_to_whsec_with_the_same_key():
    migration = importlib.import_module("campaigns.migrations.0010_webhook_standard_secrets")
    legacy = "9f" * 32  # a secret of the old scheme: its ASCII bytes were the HMAC key
    subscription = WebhookSubscriptionFactory()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret=legacy)
    # when the data migration runs
    migration.to_standard_secrets(apps, None)
    # then the secret is a whsec_ one whose key is the old key, so the receiver keeps its key
    subscription.refresh_from_db()
    assert subscription.secret.startswith("whsec_")
    body, headers = b"{}", {"webhook-id": "e", "webhook-timestamp": str(int(time.time()))}
    headers["webhook-signature"] = "v1," + base64.b64encode(hmac.new(
        legacy.encode(), f"e.{headers['webhook-timestamp']}.{{}}".encode(), hashlib.sha256).digest()).decode()
    assert json.loads(body) == Webhook(subscription.secret).verify(body, headers)


def test_staff_add_a_subscription_and_see_its_generated_secret_once_saved(admin_client):
    # when staff add a subscription (the add page shows no secret: it does not exist yet)
    add_page = admin_client.get("/admin/campaigns/webhooksubscription/add/").content.decode()
    response = admin_client.post("/admin/campaigns/webhooksubscription/add/", {
        "name": "CRM", "url": "https://crm.example/hooks", "events": '["coupon.issued"]', "is_active": "on"})
    # then it gets a Standard Webhooks secret, shown on its page for the receiver
    subscription = WebhookSubscription.objects.get(name="CRM")
    change_page = admin_client.get(f"/admin/campaigns/webhooksubscription/{subscription.pk}/change/").content.decode()
    assert response.status_code == 302 and "whsec_" not in add_page
    assert subscription.secret.startswith("whsec_") and subscription.secret in change_page
