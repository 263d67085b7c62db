import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from campaigns.channels.base import PermanentSendError
from campaigns.models import OutboxMessage, OutboxStatus, Purpose
from campaigns.services import outbox_send_due, transactional_enqueue
from campaigns.services.outbox import outbox_claim
from campaigns.services.rendering import unsubscribe_url
from customers.models import ConsentRecord
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def marketing_message(member, **kwargs):
    defaults = {"dedupe_key": f"test:{member.pk}:{kwargs.get('channel', 'email')}", "member": member,
                "channel": "email", "subject": "Hello", "body": "Our offer", "purpose": Purpose.MARKETING,
                "due_at": timezone.now()}
    return OutboxMessage.objects.create(**{**defaults, **kwargs})


def test_transactional_message_is_queued_once_per_key_and_sent_to_the_members_address():
    # given a member without any marketing consent
    member = MemberFactory(email="ann@example.com", email_consent=False)
    # when a sign-in code is queued twice with the same key and the worker runs
    first = transactional_enqueue(member=member, channel="email", subject="Code", body="123456", dedupe_key="otp:1")
    second = transactional_enqueue(member=member, channel="email", subject="Code", body="999999", dedupe_key="otp:1")
    report = outbox_send_due()
    # then one mail goes out, consent notwithstanding, and the row records its delivery
    assert first.pk == second.pk
    assert report.counts["delivered"] == 1
    assert [(m.to, m.body) for m in mail.outbox] == [(["ann@example.com"], "123456")]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    first.refresh_from_db()
    assert first.status == OutboxStatus.DELIVERED and first.sent_to == "ann@example.com" and first.sent_at


def test_transactional_message_rolls_back_with_its_cause():
    member = MemberFactory()
    # when the caller's transaction fails after queueing
    with pytest.raises(RuntimeError), transaction.atomic():
        transactional_enqueue(member=member, channel="sms", subject="", body="code", dedupe_key="otp:2", to="+7900")
        raise RuntimeError("the cause failed")
    # then nothing is queued
    assert not OutboxMessage.objects.exists()


def test_explicit_address_is_used_for_sms(locmem_channels):
    transactional_enqueue(member=None, channel="sms", subject="", body="code 1", dedupe_key="otp:3", to="+79001234567")
    outbox_send_due()
    assert [(m.to, m.body) for m in locmem_channels] == [("+79001234567", "code 1")]


def test_marketing_email_carries_one_click_unsubscribe_which_withdraws_consent_and_stops_queued_mail():
    # given a consenting member with a marketing mail delivered and another queued
    member = MemberFactory(email_consent=True)
    marketing_message(member)
    outbox_send_due()
    queued = marketing_message(member, dedupe_key="test:second")
    sent = mail.outbox[0]
    link = unsubscribe_url(member_id=member.pk, channel="email")
    assert sent.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in sent.body
    # when the mail client posts the one-click unsubscribe
    response = Client().post(link.replace("http://127.0.0.1:8000", ""), {"List-Unsubscribe": "One-Click"})
    outbox_send_due()
    # then consent is withdrawn with proof, and the queued mail is suppressed, not sent
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.email_consent is False
    assert ConsentRecord.objects.get(member=member).method == ConsentRecord.Method.UNSUBSCRIBE_LINK
    queued.refresh_from_db()
    assert queued.status == OutboxStatus.SUPPRESSED and queued.reason.startswith("no_consent")
    assert len(mail.outbox) == 1


def test_a_tampered_unsubscribe_link_is_refused():
    member = MemberFactory(email_consent=True)
    link = unsubscribe_url(member_id=member.pk, channel="email").replace("http://127.0.0.1:8000", "")
    response = Client().post(link[:-3] + "xx/")
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.email_consent is True


class FlakyChannel:
    calls = 0
    fail_times = 2
    error = ConnectionError("provider down")

    def send(self, message):
        FlakyChannel.calls += 1
        if FlakyChannel.calls <= FlakyChannel.fail_times:
            raise FlakyChannel.error
        from campaigns.channels import SendResult

        return SendResult(provider_id="ok")

    def close(self):
        pass


@pytest.fixture
def flaky(settings):
    settings.CAMPAIGNS_CHANNEL_BACKENDS = {**settings.CAMPAIGNS_CHANNEL_BACKENDS, "sms": f"{__name__}.FlakyChannel"}
    settings.CAMPAIGNS_OUTBOX_BACKOFF_SECONDS = 60
    FlakyChannel.calls, FlakyChannel.fail_times, FlakyChannel.error = 0, 2, ConnectionError("provider down")
    return FlakyChannel


def test_temporary_failure_is_retried_with_growing_backoff_then_delivered(flaky, freezer=None):
    message = transactional_enqueue(member=None, channel="sms", subject="", body="x", dedupe_key="k", to="+7")
    # when the provider fails twice
    outbox_send_due()
    message.refresh_from_db()
    first_delay = message.due_at - timezone.now()
    assert message.status == OutboxStatus.PENDING and "provider down" in message.reason
    assert dt.timedelta(seconds=55) < first_delay <= dt.timedelta(seconds=60)
    OutboxMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())
    outbox_send_due()
    message.refresh_from_db()
    assert dt.timedelta(seconds=115) < message.due_at - timezone.now() <= dt.timedelta(seconds=120)
    # then the third attempt delivers, and nothing is due before the backoff ends
    assert outbox_send_due().handled == 0
    OutboxMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())
    outbox_send_due()
    message.refresh_from_db()
    assert (message.status, message.attempts, flaky.calls) == (OutboxStatus.DELIVERED, 3, 3)


def test_permanent_failure_and_exhausted_retries_are_recorded_as_failed(flaky, settings):
    settings.CAMPAIGNS_OUTBOX_MAX_ATTEMPTS = 1
    flaky.error = PermanentSendError("number blocked")
    refused = transactional_enqueue(member=None, channel="sms", subject="", body="x", dedupe_key="a", to="+7")
    outbox_send_due()
    flaky.error = ConnectionError("timeout")
    exhausted = transactional_enqueue(member=None, channel="sms", subject="", body="x", dedupe_key="b", to="+7")
    outbox_send_due()
    refused.refresh_from_db(), exhausted.refresh_from_db()
    assert (refused.status, refused.reason) == (OutboxStatus.FAILED, "number blocked")
    assert exhausted.status == OutboxStatus.FAILED and exhausted.reason.startswith("gave up after 1 attempts")


def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(settings):
    settings.CAMPAIGNS_OUTBOX_LEASE_SECONDS = 60
    transactional_enqueue(member=None, channel="sms", subject="", body="x", dedupe_key="c", to="+7")
    assert len(outbox_claim(batch_size=10, worker_id="a")) == 1
    assert outbox_claim(batch_size=10, worker_id="b") == []
    OutboxMessage.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    [reclaimed] = outbox_claim(batch_size=10, worker_id="b")
    assert (reclaimed.claimed_by, reclaimed.attempts) == ("b", 2)
