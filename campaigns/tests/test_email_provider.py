"""Email through an ESP (Anymail) against a fake ESP, and its tracking webhooks: engagement events tied to the
outbox message, suppression after a hard bounce, consent withdrawn after a complaint."""
import datetime as dt
import hashlib
import hmac
import json
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import OutboxStatus
from campaigns.services import outbox_send_due
from campaigns.services.outbox import transactional_enqueue
from customers.models import ConsentRecord, EngagementEvent
from customers.tests.factories import MemberFactory
from messaging.models import EmailSuppression
from messaging.tests.conftest import fake_esp  # noqa: F401 - the fake Unisender Go and Mailgun
from messaging.tests.fake_esp import MAILGUN_DOMAIN, UNISENDER_KEY

from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def email_message(member=None, **member_fields):
    member = member or MemberFactory(**{"email_consent": True, "sms_consent": False, "push_consent": False,
                                        **member_fields})
    entry = EntryFactory(member=member, triggered_at=NOON)
    step = StepFactory(campaign=entry.campaign, channel="email", sms_template="СМС {{ first_name }}")
    return CampaignMessageFactory(entry=entry, campaign_step=step, channel="email", due_at=NOON)


def sent(message):
    outbox_send_due(now=NOON)
    message.refresh_from_db()
    return message


# -- Unisender Go: the send, and its webhook (MD5 of the body with the API key in place of "auth") --------

def unisender_post(client, events, *, key=UNISENDER_KEY):
    payload = {"auth": "AUTH", "events_by_user": [{"user_id": 456, "project_id": "6432890213745872",
                                                   "project_name": "Shop", "events": events}]}
    body = json.dumps(payload, ensure_ascii=False)
    body = body.replace("AUTH", hashlib.md5(body.replace("AUTH", key).encode()).hexdigest())
    return client.post("/hooks/email/unisender_go/tracking/", body, content_type="application/json")


def unisender_event(message, status, *, delivery_status="", response="", url=None, at="2026-11-24 09:05:00"):
    data = {"job_id": "1ZymBc-000001-9X", "metadata": {"anymail_id": message.provider_id,
                                                        "outbox": message.idempotency_key},
            "email": message.sent_to, "status": status, "event_time": at,
            "delivery_info": {"delivery_status": delivery_status, "destination_response": response,
                              "user_agent": "Mozilla/5.0", "ip": "203.0.113.7"}}
    if url:
        data["url"] = url
    return {"event_name": "transactional_email_status", "event_data": data}


def test_unisender_go_send_carries_the_outbox_key_and_keeps_the_esp_message_id(fake_esp):  # noqa: F811
    # given Unisender Go as the mail provider and a campaign email
    esp = fake_esp.use("unisender_go")
    message = email_message()
    # when the outbox sends it
    message = sent(message)
    # then one documented email/send.json call went out with the key, recipient, subject, text and our metadata
    [request] = esp.requests
    assert request["path"] == "/email/send.json" and request["headers"]["X-API-KEY"] == UNISENDER_KEY
    payload = request["body"]["message"]
    [recipient] = payload["recipients"]
    assert recipient["email"] == message.member.email
    assert payload["global_metadata"] == {"outbox": message.idempotency_key}
    assert payload["subject"].startswith("Hi ") and payload["body"]["plaintext"].startswith("Hello ")
    # and the row keeps the ESP's message id (the per-recipient id webhooks echo)
    assert message.status == OutboxStatus.DELIVERED
    assert message.provider_id == recipient["metadata"]["anymail_id"]


def test_a_retried_unisender_go_send_carries_the_same_idempotence_key_and_is_sent_once(fake_esp):  # noqa: F811
    # given Unisender Go, which sends a campaign email but whose answer is lost (a 503 after it went out)
    esp = fake_esp.use("unisender_go")
    esp.lose_answers = 1
    message = sent(email_message())
    assert message.status == OutboxStatus.PENDING and "503" in message.reason
    # when the outbox retries it after its backoff
    outbox_send_due(now=NOON + dt.timedelta(hours=1))
    message.refresh_from_db()
    # then both requests carried the outbox key as Unisender Go's idempotence_key, beside the message
    first, retry = esp.requests
    assert first["body"]["idempotence_key"] == retry["body"]["idempotence_key"] == message.idempotency_key
    assert "idempotence_key" not in first["body"]["message"]
    # and the member got one email, and the row keeps the id of the one that went out (the id webhooks echo)
    assert esp.sent == [message.member.email]
    assert message.status == OutboxStatus.DELIVERED
    assert message.provider_id == first["body"]["message"]["recipients"][0]["metadata"]["anymail_id"]


def test_unisender_go_refusing_the_address_fails_the_message_for_good(fake_esp):  # noqa: F811
    esp = fake_esp.use("unisender_go")
    message = email_message()
    esp.refused[message.member.email] = "permanent_unavailable"
    message = sent(message)
    assert message.status == OutboxStatus.FAILED and "refused by the provider" in message.reason


def test_an_esp_outage_retries_the_message_later(fake_esp):  # noqa: F811
    esp = fake_esp.use("unisender_go")
    esp.script.append((503, {"status": "error", "message": "Service unavailable", "code": 503}))
    message = sent(email_message())
    assert message.status == OutboxStatus.PENDING and message.due_at > NOON and "503" in message.reason


def test_unisender_go_delivered_and_clicked_become_events_of_the_message_once(fake_esp, client):  # noqa: F811
    # given an email sent through Unisender Go
    fake_esp.use("unisender_go")
    message = sent(email_message())
    events = [unisender_event(message, "delivered"),
              unisender_event(message, "clicked", url="https://shop.example.com/p/1?utm_source=email",
                              at="2026-11-24 09:30:00")]
    # when its signed webhook is posted twice (Unisender Go repeats until it gets 200)
    first, repeat = unisender_post(client, events), unisender_post(client, events)
    # then both answers are 200 and each event is recorded once, tied to the message
    assert (first.status_code, repeat.status_code) == (200, 200)
    recorded = EngagementEvent.objects.filter(member=message.member).exclude(kind="sent").order_by("occurred_at")
    assert [(e.kind, e.channel, e.message_ref, e.url) for e in recorded] == [
        ("delivered", "email", message.idempotency_key, ""),
        ("click", "email", message.idempotency_key, "https://shop.example.com/p/1?utm_source=email")]


def test_unisender_go_webhook_with_a_wrong_signature_is_refused(fake_esp, client):  # noqa: F811
    fake_esp.use("unisender_go")
    message = sent(email_message())
    answer = unisender_post(client, [unisender_event(message, "delivered")], key="someone-elses-key")
    assert answer.status_code == 400
    assert not EngagementEvent.objects.exclude(kind="sent").exists()


def test_a_webhook_for_a_message_not_recorded_yet_is_answered_try_again(fake_esp, client):  # noqa: F811
    fake_esp.use("unisender_go")
    message = email_message()  # never sent: no provider id, no send recorded
    message.sent_to, message.provider_id = message.member.email, "d9d7c1f2-0000-4000-8000-000000000001"
    event = unisender_event(message, "delivered")
    event["event_data"]["metadata"] = {"anymail_id": message.provider_id}
    assert unisender_post(client, [event]).status_code == 503
    assert not EngagementEvent.objects.exists()


def test_a_hard_bounce_suppresses_the_address_and_the_next_email_is_not_sent(fake_esp, client):  # noqa: F811
    # given an email sent through Unisender Go to a member who also consents to SMS
    esp = fake_esp.use("unisender_go")
    message = sent(email_message(sms_consent=True, phone="+79251234567"))
    member = message.member
    # when Unisender Go reports a hard bounce (unknown user)
    answer = unisender_post(client, [unisender_event(message, "hard_bounced", delivery_status="err_user_unknown",
                                                     response="550 5.1.1 User unknown")])
    # then the address is suppressed with the provider's reason, and the bounce is an event of the message
    assert answer.status_code == 200
    suppression = EmailSuppression.objects.get()
    assert (suppression.address, suppression.reason, suppression.member_id) == (member.email, "hard_bounce", member.pk)
    assert "550 5.1.1 User unknown" in suppression.detail and suppression.source == "Unisender Go"
    assert EngagementEvent.objects.filter(member=member, kind="bounce", message_ref=message.idempotency_key).count() == 1
    # when the next campaign email is due
    calls = len(esp.requests)
    following = sent(email_message(member=member))
    # then it does not go to the address: it falls back to the member's SMS
    assert len(esp.requests) == calls
    assert (following.status, following.sent_channel, following.reason) == ("delivered", "sms", "fallback from email")


def test_a_suppressed_address_gets_no_transactional_email_either_and_says_why(fake_esp):  # noqa: F811
    esp = fake_esp.use("unisender_go")
    member = MemberFactory(email="Gone@Example.com")
    EmailSuppression.objects.create(address="gone@example.com", reason="hard_bounce", detail="550 user unknown")
    code = transactional_enqueue(member=member, channel="email", subject="Код", body="Ваш код 1234",
                                 dedupe_key="code:1")
    outbox_send_due()
    code.refresh_from_db()
    assert esp.requests == []
    assert code.status == OutboxStatus.SUPPRESSED and code.reason.startswith("email_suppressed: gone@example.com")


def test_a_suppressed_member_without_another_channel_is_suppressed_with_the_reason(fake_esp):  # noqa: F811
    fake_esp.use("unisender_go")
    message = email_message()
    EmailSuppression.objects.create(address=message.member.email, reason="hard_bounce")
    message = sent(message)
    assert message.status == OutboxStatus.SUPPRESSED and message.reason.startswith("email_suppressed: ")


def test_changing_the_address_lifts_the_suppression_for_the_member(fake_esp):  # noqa: F811
    # given a member whose address hard-bounced
    esp = fake_esp.use("unisender_go")
    member = MemberFactory(email="old@example.com", email_consent=True, sms_consent=False, push_consent=False)
    EmailSuppression.objects.create(address="old@example.com", reason="hard_bounce")
    # when they change their address
    member.email = "new@example.com"
    member.save()
    # then the next email goes to the new address
    message = sent(email_message(member=member))
    assert message.status == OutboxStatus.DELIVERED
    assert [r["body"]["message"]["recipients"][0]["email"] for r in esp.requests] == ["new@example.com"]
    # and entering the old one again (mailbox fixed) lifts its suppression, with why
    member.email = "old@example.com"
    member.save(update_fields=["email"])
    row = EmailSuppression.objects.get(address="old@example.com")
    assert row.lifted_at is not None and f"member {member.pk}" in row.lift_reason


# -- Mailgun: the send, and its webhook (HMAC-SHA256 of timestamp+token with the webhook signing key) -------

def mailgun_post(client, event_data, *, token="a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0", key="mg-signing-key"):
    timestamp = "1764061200"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    body = {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}
    return client.post("/hooks/email/mailgun/tracking/", json.dumps(body), content_type="application/json")


def mailgun_event(message, event, **extra):
    return {"event": event, "id": "G9Bn5sl1TC6nu79C8C0bwg", "timestamp": 1764061200.5, "recipient": message.sent_to,
            "message": {"headers": {"message-id": message.provider_id.strip("<>"), "to": message.sent_to}},
            "user-variables": {"outbox": message.idempotency_key}, "tags": [], **extra}


def test_mailgun_send_uses_the_messages_api_with_basic_auth_and_our_variables(fake_esp):  # noqa: F811
    esp = fake_esp.use("mailgun")
    message = sent(email_message())
    [request] = esp.requests
    assert request["path"] == f"/v3/{MAILGUN_DOMAIN}/messages"
    form = request["body"]
    assert form["to"] == message.member.email and form["v:outbox"] == message.idempotency_key
    assert form["subject"].startswith("Hi ") and form["text"].startswith("Hello ")
    assert message.status == OutboxStatus.DELIVERED and message.provider_id.endswith(f"@{MAILGUN_DOMAIN}>")


def test_mailgun_complaint_withdraws_email_consent_with_proof_and_stops_marketing_email(fake_esp, client):  # noqa: F811
    # given an email sent through Mailgun
    esp = fake_esp.use("mailgun")
    message = sent(email_message())
    member = message.member
    # when Mailgun's signed webhook reports a spam complaint, twice
    for _ in range(2):
        assert mailgun_post(client, mailgun_event(message, "complained")).status_code == 200
    # then the member's email consent is withdrawn once, with the complaint as proof
    member.refresh_from_db()
    assert member.email_consent is False
    [proof] = ConsentRecord.objects.filter(member=member, purpose="email", granted=False)
    assert proof.method == "complaint" and message.idempotency_key in proof.evidence
    assert EngagementEvent.objects.filter(member=member, kind="complaint").count() == 1
    # and the next marketing email is not sent
    calls = len(esp.requests)
    following = sent(email_message(member=member))
    assert len(esp.requests) == calls and following.status == OutboxStatus.SUPPRESSED


def test_mailgun_permanent_failure_suppresses_and_temporary_does_not(fake_esp, client):  # noqa: F811
    fake_esp.use("mailgun")
    message = sent(email_message())
    temporary = mailgun_event(message, "failed", severity="temporary", reason="generic",
                              **{"delivery-status": {"code": 452, "message": "mailbox full", "description": ""}})
    assert mailgun_post(client, temporary, token="t1" * 25).status_code == 200
    assert not EmailSuppression.objects.exists() and not EngagementEvent.objects.filter(kind="bounce").exists()
    permanent = mailgun_event(message, "failed", severity="permanent", reason="bounce",
                              **{"delivery-status": {"code": 550, "message": "No such user", "description": ""}})
    assert mailgun_post(client, permanent, token="t2" * 25).status_code == 200
    assert EmailSuppression.objects.get().address == message.member.email.lower()


def test_mailgun_webhook_with_a_wrong_signature_is_refused(fake_esp, client):  # noqa: F811
    fake_esp.use("mailgun")
    message = sent(email_message())
    assert mailgun_post(client, mailgun_event(message, "opened"), key="guess").status_code == 400
    assert not EngagementEvent.objects.filter(kind="open").exists()


# -- Postmark: it does not sign its webhooks, so the basic auth of ANYMAIL_WEBHOOK_SECRET guards them ---------

def test_postmark_bounce_webhook_needs_the_basic_auth_secret(settings, client):
    # given Postmark's webhooks guarded by a basic-auth secret, and an email sent through the outbox
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": "hook:s3cret"}
    message = sent(email_message())
    bounce = {"RecordType": "Bounce", "ID": 4323372036854775807, "Type": "HardBounce", "TypeCode": 1,
              "Name": "Hard bounce", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "MessageStream": "outbound",
              "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
              "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
              "Email": message.member.email, "From": "club@shop.example.com", "BouncedAt": "2026-11-24T09:05:00Z",
              "Inactive": True, "CanActivate": True, "Subject": "Hi", "Metadata": {"outbox": message.idempotency_key}}
    url = "/hooks/email/postmark/tracking/"
    # when it is posted without the secret, then it is refused and nothing is suppressed
    assert client.post(url, bounce, content_type="application/json").status_code == 400
    assert not EmailSuppression.objects.exists()
    # when posted with it, then the address is suppressed and the bounce is an event of the message
    answer = client.post(url, bounce, content_type="application/json",
                         HTTP_AUTHORIZATION="Basic " + __import__("base64").b64encode(b"hook:s3cret").decode())
    assert answer.status_code == 200
    assert EmailSuppression.objects.get().address == message.member.email.lower()
    assert EngagementEvent.objects.filter(kind="bounce", message_ref=message.idempotency_key).count() == 1
