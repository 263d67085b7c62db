"""A campaign step's three channels through a real worker: email to a local SMTP server, SMS to the fake SMS.ru,
push to the fake FCM and APNs (PostgreSQL and Redis)."""
import json

import pytest

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.tasks import outbox_send_due_task
from core.testing.celery_worker import wait_until
from customers.tests.factories import MemberFactory
from messaging.devices import device_register
from messaging.models import PushDelivery
from messaging.tests.fake_providers import SMSRU_API_ID, FakeProviders
from messaging.tests.fake_push import APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, FakeApns, FakeFcm

from .factories import CampaignMessageFactory, EntryFactory, StepFactory


@pytest.fixture
def fakes():
    sms, fcm, apns = FakeProviders().start(), FakeFcm().start(), FakeApns().start()
    yield sms, fcm, apns
    for fake in (sms, fcm, apns):
        fake.stop()


@pytest.mark.worker
def test_a_step_goes_out_by_email_sms_and_push_through_a_real_worker(celery_worker_process, smtp_server, fakes,
                                                                      send_rules):
    # given a step with all three variants and three members, each reachable on one channel only
    smtp_url, mails = smtp_server.url, smtp_server.mails
    sms, fcm, apns = fakes
    step = StepFactory(subject_template="Скидка для вас", body_template="{{ first_name }}, -15% на всё",
                       sms_template="{{ first_name }}, -15% на всё", push_title_template="Скидка",
                       push_body_template="{{ first_name }}, -15%", push_link="shop://offers/15")
    by_email = MemberFactory(email="anna@example.com", email_consent=True, sms_consent=False, push_consent=False)
    by_sms = MemberFactory(phone="+79251234567", email_consent=False, sms_consent=True, push_consent=False)
    by_push = MemberFactory(email_consent=False, sms_consent=False, push_consent=True)
    device_register(member=by_push, platform="android", push_token="fcm-phone")
    device_register(member=by_push, platform="ios", push_token="apns-phone")
    for member in (by_email, by_sms, by_push):
        entry = EntryFactory(campaign=step.campaign, member=member)
        CampaignMessageFactory(entry=entry, campaign_step=step, channel="email", due_at=entry.triggered_at)
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test_worker_smtp", "EMAIL_URL": smtp_url,
           "CAMPAIGNS_OUTBOX_KICK": "false",
           "MESSAGING_SMS_PROVIDER": "smsru", "SMSRU_API_URL": sms.url, "SMSRU_API_ID": SMSRU_API_ID,
           "MESSAGING_SMS_SENDER": "Shop",
           "MESSAGING_PUSH_ANDROID": "fcm", "FCM_CREDENTIALS": json.dumps(fcm.service_account()), "FCM_API_URL": fcm.url,
           "MESSAGING_PUSH_IOS": "apns", "APNS_KEY": apns.signing_key, "APNS_KEY_ID": APNS_KEY_ID,
           "APNS_TEAM_ID": APNS_TEAM_ID, "APNS_TOPIC": APNS_TOPIC, "APNS_API_URL": apns.url}
    celery_worker_process(extra_env=env)
    # when the worker's outbox task runs
    outbox_send_due_task.delay()
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 3, timeout=60,
               message="three delivered")
    # then each went out on its member's channel in that channel's variant
    sent = {m.member_id: m.sent_channel for m in OutboxMessage.objects.all()}
    assert sent == {by_email.pk: "email", by_sms.pk: "sms", by_push.pk: "push"}
    [mail] = mails
    assert mail.rcpt_tos == ["anna@example.com"] and "Subject: =?utf-8?" in mail.content.decode()
    [sms_request] = sms.requests
    assert sms_request["form"]["to"] == "79251234567" and sms_request["form"]["msg"] == f"{by_sms.first_name}, -15% на всё"
    # and the push member's one row reached both phones, once each
    [fcm_send] = [r for r in fcm.requests if r["path"].endswith(":send")]
    assert fcm_send["json"]["message"]["notification"] == {"title": "Скидка", "body": f"{by_push.first_name}, -15%"}
    assert [r["path"] for r in apns.requests] == ["/3/device/apns-phone"]
    assert sorted(PushDelivery.objects.values_list("platform", "status")) == [("android", "sent"), ("ios", "sent")]
