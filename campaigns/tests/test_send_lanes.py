"""A batch sent by several lanes (threads with their own SMTP and database connections, on PostgreSQL): each
message once, a failure stays with its message, and a worker that dies mid-batch loses and repeats nothing."""
import datetime as dt
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.services import outbox_send_due
from campaigns.tasks import outbox_send_due_task
from core.testing.celery_worker import wait_until
from customers.tests.factories import MemberFactory
from messaging.devices import device_register
from messaging.tests.conftest import fake_providers, fake_push  # noqa: F401 - the fake SMS.ru, FCM and APNs

from .conftest import worker_killed_at_email
from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
LANES = 4


@pytest.fixture
def smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CAMPAIGNS_OUTBOX_SEND_THREADS = LANES
    return smtp_server


def campaign_message(channel, n, at=NOON, **consents):
    member = MemberFactory(email=f"member{n}@example.com", phone=f"+7925000{n:04d}", external_id=f"m{n}",
                           **{"email_consent": False, "sms_consent": False, "push_consent": False, **consents})
    entry = EntryFactory(member=member, triggered_at=at)
    step = StepFactory(campaign=entry.campaign, channel=channel, sms_template="Код {{ first_name }}",
                       push_title_template="Скидка", push_body_template="{{ first_name }}, -15%")
    return CampaignMessageFactory(entry=entry, campaign_step=step, channel=channel, due_at=at)


def emails(count, at=NOON):
    return [campaign_message("email", n, at=at, email_consent=True) for n in range(count)]


def recipients(smtp_server):
    return Counter(address for mail in smtp_server.mails for address in mail.rcpt_tos)


def statuses(messages):
    return Counter(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True))


def test_a_batch_sent_by_four_lanes_reaches_each_address_once_over_one_smtp_session_per_lane(smtp):
    # given twenty campaign emails due
    messages = emails(20)
    # when one worker sends them with four lanes
    report = outbox_send_due(now=NOON)
    # then each address got exactly one email, over four SMTP sessions (one per lane), and every row is delivered
    assert recipients(smtp) == Counter({m.member.email: 1 for m in messages})
    assert len({id(session) for session in smtp.sessions}) == LANES
    assert report.counts == Counter(delivered=20)
    assert statuses(messages) == Counter({OutboxStatus.DELIVERED: 20})


def test_lanes_send_each_sms_and_push_once_through_the_fake_providers(settings, fake_providers, fake_push):  # noqa: F811
    # given eight SMS and eight push messages due, the SMS through SMS.ru and each push member with an Android phone
    settings.CAMPAIGNS_OUTBOX_SEND_THREADS = LANES
    settings.MESSAGING_SMS_PROVIDER = "smsru"
    settings.CAMPAIGNS_CHANNEL_BACKENDS = {**settings.CAMPAIGNS_CHANNEL_BACKENDS,
                                           "sms": "campaigns.channels.sms.GatewaySmsChannel",
                                           "push": "campaigns.channels.push.ProviderPushChannel"}
    sms = [campaign_message("sms", n, sms_consent=True) for n in range(8)]
    push = [campaign_message("push", 100 + n, push_consent=True) for n in range(8)]
    for message in push:
        device_register(member=message.member, platform="android", push_token=f"token-{message.member_id}")
    # when one worker sends them with four lanes
    outbox_send_due(now=NOON)
    # then each phone got one SMS and each device one push, and all sixteen rows are delivered
    phones = Counter(r["form"]["to"] for r in fake_providers.requests if "to" in r.get("form", {}))
    assert phones == Counter({m.member.phone.lstrip("+"): 1 for m in sms})
    tokens = Counter(r["json"]["message"]["token"] for r in fake_push.fcm.requests if "json" in r)
    assert tokens == Counter({f"token-{m.member_id}": 1 for m in push})
    assert statuses(sms + push) == Counter({OutboxStatus.DELIVERED: 16})


def test_a_temporary_refusal_in_one_lane_retries_that_email_alone(smtp):
    # given twelve emails due, and a server that answers "try again later" for one address
    messages = emails(12)
    refused = messages[5]
    smtp.refused.add(refused.member.email)
    # when one worker sends them with four lanes
    report = outbox_send_due(now=NOON)
    # then that email waits for its retry with the server's reason, and the eleven others went out once each
    refused.refresh_from_db()
    assert refused.status == OutboxStatus.PENDING and refused.due_at > NOON
    assert "SMTPRecipientsRefused" in refused.reason
    assert report.counts == Counter(delivered=11, retried=1)
    assert recipients(smtp) == Counter({m.member.email: 1 for m in messages if m != refused})
    # and when the server takes it again and the retry is due, it goes out once
    smtp.refused.clear()
    outbox_send_due(now=refused.due_at)
    assert recipients(smtp) == Counter({m.member.email: 1 for m in messages})
    assert statuses(messages) == Counter({OutboxStatus.DELIVERED: 12})


def test_a_worker_that_dies_mid_batch_sends_nobody_a_second_email_and_loses_nobody(smtp, monkeypatch):
    # given sixteen emails due, and a worker that dies (not an error it handles) at its seventh send, in some lane
    messages = emails(16)
    worker_killed_at_email(monkeypatch, 7)
    with pytest.raises(SystemExit):
        outbox_send_due(now=NOON)
    # the other lanes stopped after the send they had in flight, each recorded at once
    sent_before = sum(recipients(smtp).values())
    assert 6 <= sent_before < 16
    assert statuses(messages)[OutboxStatus.DELIVERED] == sent_before
    monkeypatch.undo()
    # when the leases run out and another worker claims what is left
    outbox_send_due(now=NOON + dt.timedelta(hours=2))
    # then every member got exactly one email
    assert recipients(smtp) == Counter({m.member.email: 1 for m in messages})
    assert statuses(messages) == Counter({OutboxStatus.DELIVERED: 16})


@pytest.mark.worker
def test_a_worker_process_killed_mid_batch_re_sends_at_most_one_email_per_lane(celery_worker_process, smtp_server):
    # given twenty emails due now (the worker reads the real clock) and a slow SMTP server (0.3 s to take each)
    messages = emails(20, at=timezone.now())
    smtp_server.delay = 0.3
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test_worker_smtp", "EMAIL_URL": smtp_server.url,
           "CAMPAIGNS_OUTBOX_KICK": "false", "CAMPAIGNS_OUTBOX_SEND_THREADS": str(LANES),
           "CAMPAIGNS_OUTBOX_LEASE_SECONDS": "2"}
    worker = celery_worker_process(extra_env=env)
    # when the worker is killed (SIGKILL) with six emails taken and its lanes in the middle of their sends
    outbox_send_due_task.delay()
    wait_until(lambda: len(smtp_server.mails) >= 6, timeout=60, message="six emails")
    worker.kill()
    # and a new worker runs the next beat tick after the dead worker's leases ran out
    celery_worker_process(extra_env=env)
    time.sleep(2.5)
    outbox_send_due_task.delay()
    wait_until(lambda: statuses(messages)[OutboxStatus.DELIVERED] == 20, timeout=60, message="all twenty delivered")
    # then everyone got the email, and only the sends in flight at the kill (one per lane at most) went out twice
    sent = recipients(smtp_server)
    assert set(sent) == {m.member.email for m in messages}
    assert sum(sent.values()) - 20 <= LANES
