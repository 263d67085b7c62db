"""Secrets in transactional messages: stored encrypted, put in only what is sent, wiped once the outcome is
final; marketing texts purged after their retention."""
import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from campaigns.models import SECRET_PLACEHOLDER, OutboxMessage, OutboxStatus, Purpose
from campaigns.services import outbox_send_due, transactional_enqueue
from campaigns.services.retention import outbox_purge
from core.encryption import field_decrypt, field_encrypt
from core.testing.database_search import text_columns_containing
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
CODE = "735019"


def queue_code(*, to="+79005550101", key="otp:1", channel="sms", **kwargs):
    return transactional_enqueue(member=None, channel=channel, to=to, subject="Your code", dedupe_key=key,
                                 body=f"Code {SECRET_PLACEHOLDER}, valid 10 minutes.", secret=CODE, **kwargs)


def test_the_secret_is_encrypted_at_rest_sent_in_clear_and_wiped_once_delivered(locmem_channels):
    # given a code queued for an SMS
    message = queue_code()
    # then no column of any table holds it; the row holds it encrypted
    assert text_columns_containing(CODE) == []
    assert field_decrypt(OutboxMessage.objects.get(pk=message.pk).encrypted_secret) == CODE
    # when the worker sends it
    outbox_send_due()
    # then the member got the code, and the row no longer holds it in any form
    assert [m.body for m in locmem_channels] == [f"Code {CODE}, valid 10 minutes."]
    message.refresh_from_db()
    assert (message.status, message.encrypted_secret, message.body) == (
        OutboxStatus.DELIVERED, "", f"Code {SECRET_PLACEHOLDER}, valid 10 minutes.")
    assert text_columns_containing(CODE) == []


def test_a_message_that_fails_for_good_loses_its_secret(locmem_channels):
    # given a code for an SMS without an address (the channel refuses it for good)
    message = transactional_enqueue(member=MemberFactory(phone=""), channel="sms", subject="", dedupe_key="otp:2",
                                    body=f"Code {SECRET_PLACEHOLDER}", secret=CODE)
    # when the worker tries
    outbox_send_due()
    # then it failed and the secret is gone
    message.refresh_from_db()
    assert (message.status, message.encrypted_secret) == (OutboxStatus.FAILED, "")
    assert locmem_channels == []


def test_an_expired_message_is_not_sent_and_loses_its_secret(locmem_channels):
    # given a code whose life ended while the worker was down
    message = queue_code(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # when the worker comes back
    outbox_send_due()
    # then the code is not sent, and the row keeps no secret
    message.refresh_from_db()
    assert (message.status, message.encrypted_secret) == (OutboxStatus.SUPPRESSED, "")
    assert message.reason.startswith("window_expired")
    assert locmem_channels == []


def test_a_secret_under_an_unknown_key_fails_instead_of_sending_the_placeholder(locmem_channels, settings):
    # given a code queued under one key, and the key replaced without keeping the old one
    settings.FIELD_ENCRYPTION_KEY = "first key"
    message = queue_code()
    settings.FIELD_ENCRYPTION_KEY = "second key"
    # when the worker sends
    outbox_send_due()
    # then nothing is sent, the message failed with the reason, and the secret is wiped
    message.refresh_from_db()
    assert (message.status, message.encrypted_secret) == (OutboxStatus.FAILED, "")
    assert "cannot be decrypted" in message.reason and locmem_channels == []


def test_a_key_rotation_keeps_queued_secrets_readable(locmem_channels, settings):
    # given a code queued under the old key, then a new key put first with the old one kept
    settings.FIELD_ENCRYPTION_KEY = "old key"
    queue_code()
    settings.FIELD_ENCRYPTION_KEY = "new key,old key"
    # when the worker sends
    outbox_send_due()
    # then the code goes out, and new values are encrypted with the new key alone
    assert [m.body for m in locmem_channels] == [f"Code {CODE}, valid 10 minutes."]
    fresh = field_encrypt("x")
    settings.FIELD_ENCRYPTION_KEY = "new key"
    assert field_decrypt(fresh) == "x"


def test_a_secret_in_clear_or_without_its_placeholder_is_refused():
    with pytest.raises(ValueError):
        transactional_enqueue(member=None, channel="sms", to="+7900", subject="", dedupe_key="a",
                              body=f"Code {CODE}", secret=CODE)
    with pytest.raises(ValueError):
        transactional_enqueue(member=None, channel="sms", to="+7900", subject="", dedupe_key="b",
                              body="Code: see below", secret=CODE)
    assert not OutboxMessage.objects.exists()


def test_the_outbox_admin_shows_hidden_instead_of_the_secret(admin_client, locmem_channels):
    # given a queued code and a delivered one
    queued = queue_code()
    queue_code(key="otp:sent")
    # when staff open the list and the message
    listing = admin_client.get("/admin/campaigns/outboxmessage/").content.decode()
    page = admin_client.get(f"/admin/campaigns/outboxmessage/{queued.pk}/change/").content.decode()
    outbox_send_due()
    delivered = admin_client.get(f"/admin/campaigns/outboxmessage/{queued.pk}/change/").content.decode()
    # then neither the code nor its encrypted form is shown; the body says "hidden" (скрыто) in its place
    encrypted = OutboxMessage.objects.get(dedupe_key="otp:sent").encrypted_secret or queued.encrypted_secret
    for html in (listing, page, delivered):
        assert CODE not in html and queued.encrypted_secret not in html and encrypted not in html
    assert "Code скрыто, valid 10 minutes." in page and "Code скрыто, valid 10 minutes." in delivered


def marketing(member, *, key, sent_days_ago=None, status=OutboxStatus.DELIVERED):
    sent_at = timezone.now() - dt.timedelta(days=sent_days_ago) if sent_days_ago is not None else None
    return OutboxMessage.objects.create(dedupe_key=key, member=member, channel="email", subject="Hi Ann",
                                        body="Ann, your 120 points", purpose=Purpose.MARKETING, status=status,
                                        due_at=timezone.now(), sent_at=sent_at)


def test_marketing_texts_are_purged_after_their_retention_and_a_second_run_changes_nothing(settings):
    settings.CAMPAIGNS_MESSAGE_BODY_RETENTION_DAYS = 30
    member = MemberFactory()
    # given marketing mail sent 31 and 29 days ago, one still queued, and a transactional message of 31 days
    old = marketing(member, key="m:old", sent_days_ago=31)
    recent = marketing(member, key="m:recent", sent_days_ago=29)
    queued = marketing(member, key="m:queued", status=OutboxStatus.PENDING)
    OutboxMessage.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    receipt = transactional_enqueue(member=member, channel="email", subject="Receipt", body="Thanks", dedupe_key="t")
    OutboxMessage.objects.filter(pk=receipt.pk).update(status=OutboxStatus.DELIVERED,
                                                       sent_at=timezone.now() - dt.timedelta(days=31))
    # when the purge runs twice
    first, second = outbox_purge(), outbox_purge()
    # then only the old marketing text is gone, and the second run finds nothing to do
    texts = dict(OutboxMessage.objects.values_list("dedupe_key", "body"))
    assert texts == {"m:old": "", "m:recent": "Ann, your 120 points", "m:queued": "Ann, your 120 points",
                     "t": "Thanks"}
    assert OutboxMessage.objects.get(pk=old.pk).subject == "" and recent.pk
    assert (first.bodies, second.bodies) == (1, 0)


def test_the_purge_suppresses_expired_secrets_and_wipes_any_left_on_final_rows():
    # given a code that expired unsent (no worker ran) and a failed row that kept its secret
    expired = queue_code(key="otp:expired", expires_at=timezone.now() - dt.timedelta(minutes=1))
    stale = queue_code(key="otp:stale")
    OutboxMessage.objects.filter(pk=stale.pk).update(status=OutboxStatus.FAILED)
    live = queue_code(key="otp:live")
    # when the purge runs
    result = outbox_purge()
    # then both lose their secret, the expired one is suppressed, the live one is untouched
    rows = {m.dedupe_key: m for m in OutboxMessage.objects.all()}
    assert (rows["otp:expired"].status, rows["otp:expired"].encrypted_secret) == (OutboxStatus.SUPPRESSED, "")
    assert rows["otp:stale"].encrypted_secret == "" and rows["otp:live"].encrypted_secret == live.encrypted_secret
    assert (result.expired_secrets, result.final_secrets) == (1, 1) and expired.pk


def test_the_purge_is_scheduled_by_beat():
    assert PeriodicTask.objects.get(task="campaigns.tasks.outbox_purge_task").interval.every == 1


def test_the_upgrade_removes_codes_and_reset_tokens_stored_in_clear_before():
    migration = importlib.import_module("campaigns.migrations.0009_outbox_encrypted_secret")
    token = "cbx4t2-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    # given a delivered code and a queued reset link stored in clear, as before the upgrade
    OutboxMessage.objects.create(dedupe_key="portal:sign-in-code:7", channel="sms", to="+7", body=f"Code {CODE}",
                                 purpose=Purpose.TRANSACTIONAL, status=OutboxStatus.DELIVERED, due_at=timezone.now())
    OutboxMessage.objects.create(dedupe_key=f"portal:password-reset:3:{token}", channel="email", to="a@b.c",
                                 body=f"Link https://x/password-reset/?uid=Mw&token={token}",
                                 purpose=Purpose.TRANSACTIONAL, due_at=timezone.now())
    # when the data migration runs
    migration.remove_clear_secrets(apps, None)
    # then neither is held in clear any more, and the queued link is not sent
    assert text_columns_containing(CODE) == [] and text_columns_containing(token) == []
    assert OutboxMessage.objects.get(dedupe_key__startswith="portal:password-reset:").status == OutboxStatus.SUPPRESSED
