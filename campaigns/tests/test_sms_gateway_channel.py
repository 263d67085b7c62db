"""SMS through a real gateway back end: outcomes in the outbox, delivery callbacks as engagement events."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaigns.channels.sms import GatewaySmsChannel
from campaigns.models import OutboxStatus
from campaigns.services import outbox_send_due
from campaigns.services.outbox import BatchOutcome
from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory
from messaging.sms.twilio import twilio_signature
from messaging.tests.conftest import fake_providers  # noqa: F401 - the fake SMS.ru and Twilio
from messaging.tests.fake_providers import TWILIO_TOKEN

from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def gateway(settings, fake_providers):  # noqa: F811
    def use(provider):
        settings.MESSAGING_SMS_PROVIDER = provider
        settings.CAMPAIGNS_CHANNEL_BACKENDS = {**settings.CAMPAIGNS_CHANNEL_BACKENDS,
                                               "sms": "campaigns.channels.sms.GatewaySmsChannel"}
        return fake_providers
    return use


def sms_message(phone="+79251234567"):
    member = MemberFactory(phone=phone, sms_consent=True, email_consent=False, push_consent=False)
    entry = EntryFactory(member=member, triggered_at=NOON)
    step = StepFactory(campaign=entry.campaign, channel="sms", body_template="", sms_template="Код {{ first_name }}")
    return CampaignMessageFactory(entry=entry, campaign_step=step, channel="sms", due_at=NOON)


def smsru_report(client, sms_id, code, secret="cb-secret"):
    return client.post(f"/hooks/sms/smsru/{secret}/", {"data[0]": f"sms_status\n{sms_id}\n{code}\n1764417600"})


def twilio_report(client, params, ref, signature=None):
    url = f"/hooks/sms/twilio/status/?ref={ref}"
    signature = signature or twilio_signature("https://shop.example.com" + url, params, TWILIO_TOKEN)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_smsru_send_then_delivery_report_becomes_a_delivered_event_of_the_message(gateway, client):
    # given an SMS campaign message and SMS.ru as the gateway
    gateway("smsru")
    message = sms_message()
    # when it is sent and SMS.ru reports it delivered (code 103)
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (OutboxStatus.DELIVERED, "000000-10000001")
    answer = smsru_report(client, message.provider_id, 103)
    repeat = smsru_report(client, message.provider_id, 103)
    # then SMS.ru gets its "100", and one delivered event is tied to the message
    assert (answer.status_code, answer.content, repeat.content) == (200, b"100", b"100")
    events = EngagementEvent.objects.filter(member=message.member, kind="delivered")
    assert [(e.channel, e.message_ref) for e in events] == [("sms", message.idempotency_key)]


def test_smsru_report_with_a_wrong_secret_is_refused_and_records_nothing(gateway, client):
    gateway("smsru")
    message = sms_message()
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert smsru_report(client, message.provider_id, 103, secret="guess").status_code == 403
    assert not EngagementEvent.objects.filter(kind="delivered").exists()


def test_smsru_report_for_a_send_not_recorded_yet_asks_the_provider_to_repeat(gateway, client):
    gateway("smsru")
    assert smsru_report(client, "000000-99999999", 103).status_code == 503


def test_twilio_undelivered_report_is_a_bounce_with_the_error_code_on_the_message(gateway, client):
    # given an SMS sent through Twilio
    gateway("twilio")
    message = sms_message()
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    # when Twilio's signed status callback says undelivered (30003, unreachable handset)
    params = {"MessageSid": message.provider_id, "SmsSid": message.provider_id, "MessageStatus": "undelivered",
              "SmsStatus": "undelivered", "ErrorCode": "30003", "AccountSid": "AC" + "0" * 32,
              "From": "Shop", "To": message.sent_to, "ApiVersion": "2010-04-01"}
    answer = twilio_report(client, params, message.idempotency_key)
    # then a bounce event is tied to the message and its reason says why
    assert answer.status_code == 200
    assert list(EngagementEvent.objects.filter(member=message.member).exclude(kind="sent").values_list(
        "kind", "message_ref")) == [
        ("bounce", message.idempotency_key)]
    message.refresh_from_db()
    assert message.reason == "not delivered: twilio undelivered 30003"


def test_twilio_report_with_a_wrong_signature_is_refused(gateway, client):
    gateway("twilio")
    message = sms_message()
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    assert twilio_report(client, params, message.idempotency_key, signature="bm90IHRoZSBzaWduYXR1cmU=").status_code == 403
    # a signature over other parameters does not pass either
    forged = twilio_signature("https://shop.example.com/hooks/sms/twilio/status/?ref=x", params, TWILIO_TOKEN)
    assert twilio_report(client, params, message.idempotency_key, signature=forged).status_code == 403
    assert not EngagementEvent.objects.filter(kind="delivered").exists()


def test_a_permanent_refusal_fails_the_message_with_the_providers_reason(gateway):
    # given a number SMS.ru refuses
    gateway("smsru")
    message = sms_message(phone="+7925")
    # when sent / then failed, not retried, with SMS.ru's code and text
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.reason.startswith("sms.ru 202: Неправильно указан номер")


def test_a_lasting_rate_limit_retries_the_message_later_with_the_reason(gateway):
    # given Twilio rate-limiting every try
    fake = gateway("twilio")
    fake.script += [(429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {})] * 3
    message = sms_message()
    # when sent / then the message waits for a later attempt with the reason
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.due_at > NOON
    assert "twilio 20429: Too Many Requests" in message.reason


def test_a_worker_that_dies_mid_batch_sends_no_earlier_sms_of_the_batch_again(gateway, monkeypatch):
    # given three SMS due, and a worker that dies (not an error it handles) before the third send
    providers = gateway("smsru")
    messages = [sms_message(phone=f"+7925123456{n}") for n in range(3)]
    real_send, calls = GatewaySmsChannel.send, []

    def dying_send(self, message):
        calls.append(message.to)
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real_send(self, message)

    monkeypatch.setattr(GatewaySmsChannel, "send", dying_send)
    # a killed process runs no `finally`: the batch's closing flush of unwritten outcomes never happens
    monkeypatch.setattr(BatchOutcome, "flush", lambda self: None)
    with pytest.raises(SystemExit):
        outbox_send_due(now=NOON)
    monkeypatch.undo()
    # when the leases run out and another worker claims what is left
    outbox_send_due(now=NOON + dt.timedelta(hours=2))
    # then each phone got exactly one SMS: the two sent before the crash were recorded at once, not re-sent
    phones = [request["form"]["to"] for request in providers.requests if "to" in request["form"]]
    assert sorted(phones) == sorted(message.member.phone.lstrip("+") for message in messages)
    for message in messages:
        message.refresh_from_db()
        assert message.status == OutboxStatus.DELIVERED
