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
from django.core.exceptions import FieldError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from campaigns.models import OutboxMessage, OutboxStatus, WebhookSubscription
from campaigns.services import outbox_send_due
from campaigns.services.webhooks import webhook_secret_rotate, webhook_signature, webhook_signature_verify
from core.encryption import field_decrypt
from core.testing.database_search import text_columns_containing
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


def _migration(name):
    return importlib.import_module(f"campaigns.migrations.{name}")


def _apps_at(name):
    return MigrationExecutor(connection).loader.project_state(("campaigns", name)).apps


def test_existing_secrets_are_migrated_to_whsec_with_the_same_key_and_then_encrypted():
    legacy = "9f" * 32  # a secret of the old scheme: its ASCII bytes were the HMAC key
    subscription = WebhookSubscriptionFactory()
    # the row as 0010 found it: the plain legacy secret, written through that migration's own model
    _apps_at("0010_webhook_standard_secrets").get_model("campaigns", "WebhookSubscription").objects.filter(
        pk=subscription.pk).update(secret=legacy, previous_secret="")
    # when the data migrations run: 0010's to whsec_, then 0020's encryption at rest
    _migration("0010_webhook_standard_secrets").to_standard_secrets(_apps_at("0010_webhook_standard_secrets"), None)
    _migration("0020_webhook_secrets_encrypted").encrypt_secrets(None, connection.schema_editor())
    # then the secret is a whsec_ one whose key is the old key, so the receiver keeps its key
    subscription.refresh_from_db()
    assert subscription.secret.startswith("whsec_")
    assert text_columns_containing(subscription.secret) == [] and text_columns_containing(legacy) == []
    body, headers = b"{}", {"webhook-id": "e", "webhook-timestamp": str(int(time.time()))}
    headers["webhook-signature"] = "v1," + base64.b64encode(hmac.new(
        legacy.encode(), f"e.{headers['webhook-timestamp']}.{{}}".encode(), hashlib.sha256).digest()).decode()
    assert json.loads(body) == Webhook(subscription.secret).verify(body, headers)


def test_secrets_are_encrypted_at_rest_and_the_migration_leaves_encrypted_ones_alone():
    subscription = WebhookSubscriptionFactory()
    webhook_secret_rotate(subscription=subscription)
    subscription.refresh_from_db()
    current, previous = subscription.secret, subscription.previous_secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, previous_secret FROM campaigns_webhooksubscription WHERE id = %s",
                       [subscription.pk])
        stored = cursor.fetchone()
    # neither secret is anywhere in the database in clear, and the stored values open to them
    assert current.startswith("whsec_") and previous.startswith("whsec_") and current != previous
    assert text_columns_containing(current) == [] and text_columns_containing(previous) == []
    assert [field_decrypt(value) for value in stored] == [current, previous]
    # running the data migration again changes nothing, and its reverse gives the plain secrets back
    _migration("0020_webhook_secrets_encrypted").encrypt_secrets(None, connection.schema_editor())
    subscription.refresh_from_db()
    assert (subscription.secret, subscription.previous_secret) == (current, previous)
    _migration("0020_webhook_secrets_encrypted").decrypt_secrets(None, connection.schema_editor())
    assert text_columns_containing(current) == ["campaigns_webhooksubscription.secret"]


def test_a_secret_no_key_opens_loads_empty_and_its_delivery_fails_for_good(receiver, settings, caplog):
    subscription = WebhookSubscriptionFactory(url=receiver.url, events=["coupon.issued"])
    settings.FIELD_ENCRYPTION_KEY = "a key that never encrypted it"
    # then the subscription still loads (empty secret, logged) and its delivery fails with that reason, unsent
    subscription.refresh_from_db()
    issue_coupon("lost-key")
    outbox_send_due()
    message = OutboxMessage.objects.get(webhook_subscription=subscription)
    assert subscription.secret == "" and "encrypted_field_unreadable" in caplog.text
    assert message.status == OutboxStatus.FAILED and "webhook secret" in message.reason
    assert receiver.received == []


def test_an_encrypted_secret_cannot_be_looked_up_by_value():
    subscription = WebhookSubscriptionFactory()
    with pytest.raises(FieldError):
        WebhookSubscription.objects.filter(secret=subscription.secret).exists()
    assert WebhookSubscription.objects.filter(secret__isnull=False).count() == 1


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
