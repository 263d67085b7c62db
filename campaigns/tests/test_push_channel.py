"""Push through FCM and APNs: one outbox row per logical message, delivered to each of the member's devices."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaigns.channels import OutgoingMessage, PermanentSendError
from campaigns.channels.push import ProviderPushChannel
from campaigns.models import OutboxStatus
from campaigns.services import outbox_send_due
from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory
from messaging.devices import device_register
from messaging.models import Device, PushDelivery
from messaging.tests.conftest import fake_push  # noqa: F401 - the fake FCM and APNs
from messaging.tests.fake_push import fcm_error

from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
LATER = NOON + dt.timedelta(hours=2)


@pytest.fixture
def providers(settings, fake_push):  # noqa: F811
    settings.CAMPAIGNS_CHANNEL_BACKENDS = {**settings.CAMPAIGNS_CHANNEL_BACKENDS,
                                           "push": "campaigns.channels.push.ProviderPushChannel"}
    settings.CAMPAIGNS_OUTBOX_BACKOFF_SECONDS = 60
    return fake_push


def push_message(*tokens):
    member = MemberFactory(push_consent=True, email_consent=False, sms_consent=False)
    for platform, token in tokens:
        device_register(member=member, platform=platform, push_token=token)
    entry = EntryFactory(member=member, triggered_at=NOON)
    step = StepFactory(campaign=entry.campaign, channel="push", body_template="", push_title_template="Скидка",
                       push_body_template="{{ first_name }}, для вас -15%", push_link="shop://offers/15")
    return CampaignMessageFactory(entry=entry, campaign_step=step, channel="push", due_at=NOON)


def outcomes(message):
    return dict(PushDelivery.objects.filter(message_ref=message.idempotency_key)
                .values_list("platform", "status").order_by("platform"))


def test_a_member_with_three_devices_gets_one_row_delivered_to_each(providers):
    # given a member with an Android phone, an iPhone and a browser
    message = push_message(("android", "fcm-phone"), ("ios", "apns-phone"), ("web", "fcm-browser"))
    # when the outbox sends
    report = outbox_send_due(now=NOON)
    # then one row was delivered, and each device got the step's push variant once
    message.refresh_from_db()
    assert report.counts["delivered"] == 1 and message.status == OutboxStatus.DELIVERED
    fcm_tokens = sorted(r["json"]["message"]["token"] for r in providers.fcm.requests if "json" in r)
    assert fcm_tokens == ["fcm-browser", "fcm-phone"]
    [apns] = providers.apns.requests
    assert apns["path"] == "/3/device/apns-phone"
    assert apns["json"]["aps"]["alert"] == {"title": "Скидка", "body": f"{message.member.first_name}, для вас -15%"}
    assert apns["json"]["link"] == "shop://offers/15" and apns["json"]["ref"] == message.idempotency_key
    # and each device's outcome is recorded under the row's key, the row pointing at a provider id
    assert outcomes(message) == {"android": "sent", "ios": "sent", "web": "sent"}
    assert message.provider_id in set(PushDelivery.objects.values_list("provider_id", flat=True))
    assert EngagementEvent.objects.filter(member=message.member, kind="sent", channel="push").count() == 1


def test_tokens_the_providers_call_dead_are_removed_and_the_others_still_get_it(providers):
    # given one live device and two the providers no longer know
    message = push_message(("android", "fcm-live"), ("android", "unregistered-old"), ("ios", "bad-token"))
    # when sent
    outbox_send_due(now=NOON)
    # then the row is delivered (one device got it) and the dead devices are gone, their outcome kept
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert list(Device.objects.values_list("push_token", flat=True)) == ["fcm-live"]
    reasons = PushDelivery.objects.filter(status="invalid").values_list("reason", flat=True)
    assert sorted(reasons) == ["apns 400 BadDeviceToken", "fcm 404 UNREGISTERED: Requested entity was not found."]


def test_a_member_whose_only_devices_are_dead_fails_and_is_not_retried(providers):
    message = push_message(("ios", "unregistered-1"))
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert (message.status, message.reason) == (OutboxStatus.FAILED, "apns 410 Unregistered")
    assert not Device.objects.exists()


def test_a_push_only_member_without_devices_is_not_sent_anything(providers):
    # given a member who consents to push only and has no registered device
    message = push_message()
    # when the outbox sends / then the rules find no channel to reach them on, and no provider is called
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert (message.status, message.reason.split(":")[0]) == (OutboxStatus.SUPPRESSED, "no_consent")
    assert providers.fcm.requests == providers.apns.requests == []


def test_the_channel_fails_a_message_whose_member_has_no_device_left(providers):
    # given a member whose last device was removed after the rules chose push
    member = MemberFactory(push_consent=True)
    outgoing = OutgoingMessage(channel="push", to=member.external_id, subject="Hi", body="x",
                               idempotency_key="outbox-1", member_id=member.pk)
    # when the push channel sends / then it is a permanent failure with the reason
    with pytest.raises(PermanentSendError, match="no push device"):
        ProviderPushChannel().send(outgoing)


def test_the_row_is_delivered_once_any_device_got_it_and_a_temporary_failure_is_recorded(providers):
    # given FCM down (503 on every try) while APNs works, for a member with both
    unavailable = (503, fcm_error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."))
    providers.fcm.script += [unavailable] * 2
    message = push_message(("android", "fcm-phone"), ("ios", "apns-phone"))
    # when the outbox sends: the iPhone got it, so the row counts as delivered
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert outcomes(message) == {"android": "temporary", "ios": "sent"}
    assert PushDelivery.objects.get(platform="android").reason.startswith("fcm 503 UNAVAILABLE")


def test_a_row_retried_after_nothing_went_through_skips_the_devices_that_answered(providers):
    # given an iPhone APNs refuses for good and an Android phone FCM cannot take yet
    providers.fcm.script += [(429, fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded."))] * 2
    message = push_message(("android", "fcm-phone"), ("ios", "apns-phone"))
    providers.apns.script.append((400, {"reason": "PayloadTooLarge"}))
    # when the first attempt finds no device that took it
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert "QUOTA_EXCEEDED" in message.reason and outcomes(message) == {"android": "temporary", "ios": "failed"}
    # and the retry comes when FCM is back
    outbox_send_due(now=LATER)
    # then only the Android phone was tried again, and the row is delivered
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert len(providers.apns.requests) == 1
    assert [r["json"]["message"]["token"] for r in providers.fcm.requests if "json" in r] == ["fcm-phone"] * 3
    assert outcomes(message) == {"android": "sent", "ios": "failed"}


def test_a_crash_after_some_devices_got_it_resends_to_none_of_them(providers):
    # given a send that reached both phones but whose outcome the worker never recorded (it died)
    message = push_message(("android", "fcm-phone"), ("ios", "apns-phone"))
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    type(message).objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING, lease_until=NOON)
    sent_before = (len(providers.fcm.requests), len(providers.apns.requests))
    # when the lease runs out and another worker claims the row again
    outbox_send_due(now=LATER)
    # then it is delivered without a second notification to either device
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert (len(providers.fcm.requests), len(providers.apns.requests)) == sent_before


def _push_reads(count, providers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(count):
        push_message(("android", f"fcm-{count}-{n}"))
    with CaptureQueriesContext(connection) as queries:
        outbox_send_due(now=NOON)
    sqls = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    return (sum('FROM "messaging_device"' in sql and '"messaging_device"."member_id" IN' in sql for sql in sqls),
            sum('FROM "messaging_pushdelivery"' in sql for sql in sqls))


def test_a_batch_reads_its_members_devices_and_earlier_answers_once_however_many_push_messages(providers):
    # given a batch of two push messages, then one of six
    two = _push_reads(2, providers)
    six = _push_reads(6, providers)
    # then both read the devices and the earlier answers in the same few queries, not one per message
    assert two == six and six[1] == 1
    assert PushDelivery.objects.filter(status="sent").count() == 8


def test_the_devices_answers_are_written_in_the_rows_transaction(providers, monkeypatch):
    # given a push that reaches the phone, and a database that fails while the row's outcome is recorded
    from campaigns.services.outbox import BatchOutcome

    message = push_message(("android", "fcm-phone"))

    def broken(self, rows):
        raise RuntimeError("database gone")

    monkeypatch.setattr(BatchOutcome, "_update_delivered", broken)
    # when the outbox sends
    with pytest.raises(RuntimeError):
        outbox_send_due(now=NOON)
    # then neither the row nor the device's answer is recorded: the row is re-sent once its lease ends, as it
    # would be after a crash, instead of being delivered with no trace of its device (or the reverse)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert not PushDelivery.objects.exists()


def test_a_device_removed_after_the_batch_read_it_is_recorded_without_it(providers, monkeypatch):
    # given a member's phone that another worker removes after this batch read the devices
    message = push_message(("android", "fcm-phone"))
    prepare = ProviderPushChannel.prepare

    def prepare_then_remove(self, **kwargs):
        prepare(self, **kwargs)
        Device.objects.filter(push_token="fcm-phone").delete()

    monkeypatch.setattr(ProviderPushChannel, "prepare", prepare_then_remove)
    # when the outbox sends
    outbox_send_due(now=NOON)
    # then the row is delivered and the answer kept, pointing at no device (not failing the batch's transaction)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert list(PushDelivery.objects.values_list("device_id", "status")) == [(None, "sent")]
