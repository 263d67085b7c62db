"""Email by SMTP (Django's SMTP back end) to a local sink: one connection per batch, and each outcome recorded
before the next email leaves, so a worker that dies mid-batch re-sends nobody's email."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaigns.channels.email import OutboxEmail
from campaigns.models import OutboxStatus
from campaigns.services import outbox_send_due
from customers.tests.factories import MemberFactory

from .conftest import worker_killed_at_email
from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


def email_message(n):
    member = MemberFactory(email=f"member{n}@example.com", email_consent=True, sms_consent=False,
                           push_consent=False)
    entry = EntryFactory(member=member, triggered_at=NOON)
    step = StepFactory(campaign=entry.campaign, channel="email")
    return CampaignMessageFactory(entry=entry, campaign_step=step, channel="email", due_at=NOON)


def recipients(smtp_server):
    return sorted(address for mail in smtp_server.mails for address in mail.rcpt_tos)


def test_a_batch_of_emails_goes_over_one_smtp_connection(smtp):
    # given three campaign emails due
    messages = [email_message(n) for n in range(3)]
    # when one worker sends them
    outbox_send_due(now=NOON)
    # then all three were accepted on a single SMTP session, and each row is delivered
    assert recipients(smtp) == [f"member{n}@example.com" for n in range(3)]
    assert len({id(session) for session in smtp.sessions}) == 1
    for message in messages:
        message.refresh_from_db()
        assert message.status == OutboxStatus.DELIVERED


def test_a_worker_that_dies_mid_batch_sends_nobody_a_second_email_and_loses_nobody(smtp, monkeypatch):
    # given four emails due, and a worker that dies (not an error it handles) before the third send
    messages = [email_message(n) for n in range(4)]
    worker_killed_at_email(monkeypatch, 3)
    with pytest.raises(SystemExit):
        outbox_send_due(now=NOON)
    assert len(smtp.mails) == 2
    monkeypatch.undo()
    # when the leases run out and another worker claims what is left
    outbox_send_due(now=NOON + dt.timedelta(hours=2))
    # then every member got exactly one email: the two sent before the crash were recorded at once
    assert recipients(smtp) == [f"member{n}@example.com" for n in range(4)]
    for message in messages:
        message.refresh_from_db()
        assert message.status == OutboxStatus.DELIVERED


def test_an_outbox_email_flattens_to_the_bytes_of_djangos_policy_folding_only_what_needs_it(monkeypatch):
    from email import header
    from email.policy import compat32

    # given an email as the channel builds it: a Russian subject and text, an HTML part, a header too long for a line
    email = OutboxEmail(subject="Мы скучаем, Анна", body="Привет!\n" * 3, to=["anna@example.com"],
                        headers={"Message-ID": "<outbox-7@example.com>", "X-Idempotency-Key": "outbox-7",
                                 "List-Unsubscribe": f"<https://shop.example.com/m/u/{'t' * 70}/>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    email.attach_alternative("<p>Привет!</p>", "text/html")
    message = email.message()
    real_encode, folded = header.Header.encode, []
    monkeypatch.setattr(header.Header, "encode", lambda self, *a, **k: folded.append(1) or real_encode(self, *a, **k))
    # when it is flattened as the SMTP back end does, then again with Django's own policy (compat32)
    sent = message.as_bytes(linesep="\r\n")
    folded_when_sent, folded[:] = len(folded), []
    message.policy = compat32
    default = message.as_bytes(linesep="\r\n")
    # then the bytes are the same, with the boundary set when the message was built
    assert sent == default
    assert f'boundary="{message.get_boundary()}"'.encode() in sent
    # and only the long header went through the standard library's folding (all ~19 did with compat32)
    assert folded_when_sent == 1 and len(folded) > 15
