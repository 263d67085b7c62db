"""An operator's walk through the channels' admin pages: devices, suppressed addresses, push deliveries, the
outbox and engagement events, in Russian."""
import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import OutboxMessage
from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory
from messaging.devices import device_register
from messaging.email.suppression import email_suppression_add
from messaging.models import Device, EmailSuppression, PushDelivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("index", "/admin/"),
    ("devices", "/admin/messaging/device/"),
    ("device", "/admin/messaging/device/{device}/change/"),
    ("suppressions", "/admin/messaging/emailsuppression/"),
    ("suppression", "/admin/messaging/emailsuppression/{suppression}/change/"),
    ("suppression_add", "/admin/messaging/emailsuppression/add/"),
    ("push_deliveries", "/admin/messaging/pushdelivery/"),
    ("push_delivery", "/admin/messaging/pushdelivery/{push_delivery}/change/"),
    ("outbox", "/admin/campaigns/outboxmessage/"),
    ("outbox_failed", "/admin/campaigns/outboxmessage/{failed}/change/"),
    ("outbox_sent", "/admin/campaigns/outboxmessage/{sent}/change/"),
    ("events", "/admin/customers/engagementevent/"),
]


def channel_data():
    now = timezone.now()
    member = MemberFactory(first_name="Анна", last_name="Орлова", email="anna@example.com", phone="+79251234567")
    device = device_register(member=member, platform="android", push_token="fcm-token-1")
    device_register(member=member, platform="ios", push_token="apns-token-1")
    suppression, _ = email_suppression_add(address="gone@example.com", detail="550 5.1.1 User unknown",
                                           source="Unisender Go", member_id=member.pk, message_ref="outbox-1")
    sent = OutboxMessage.objects.create(dedupe_key="walk:1", member=member, channel="push", sent_channel="push",
                                        subject="Скидка 15 %", body="Мы скучаем", status="delivered", due_at=now,
                                        sent_at=now, sent_to=member.external_id, provider_id="projects/x/1")
    failed = OutboxMessage.objects.create(dedupe_key="walk:2", member=member, channel="sms", subject="",
                                          body="Код 1234", status="failed", due_at=now, attempts=3,
                                          reason="smsru 207: Invalid phone number")
    OutboxMessage.objects.create(dedupe_key="walk:3", member=member, channel="email", subject="Привет",
                                 body="Текст", status="suppressed", due_at=now,
                                 reason="email_suppressed: gone@example.com hard bounce 2026-12-07")
    delivery = PushDelivery.objects.create(message_ref=sent.idempotency_key, member=member, device=device,
                                           platform="android", provider="fcm", status="sent", provider_id="projects/x/1")
    PushDelivery.objects.create(message_ref=sent.idempotency_key, member=member, device=None, platform="ios",
                                provider="apns", status="invalid", reason="Unregistered")
    for kind in ("sent", "delivered", "open", "click", "bounce", "complaint", "unsubscribe"):
        EngagementEvent.objects.create(member=member, channel="email", kind=kind, message_ref="outbox-9",
                                       occurred_at=now - dt.timedelta(minutes=5))
    return {"device": device.pk, "suppression": suppression.pk, "push_delivery": delivery.pk, "failed": failed.pk,
            "sent": sent.pk}


def test_an_operator_walks_the_channel_admin_pages_in_russian(page_factory, admin_user, artifacts):
    ids = channel_data()
    page = page_factory(width=1366, height=900)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    texts = {}
    for name, path in PAGES:
        page.goto(path.format(**ids))
        texts[name] = page.locator("#content").inner_text()
        page.screenshot(path=str(artifacts / f"channel_admin_{name}.png"), full_page=True)
    # then devices, suppressions and push deliveries are named in words, not ids and codes
    assert "Android: Анна Орлова" in texts["device"]
    assert "gone@example.com — Жёсткий отказ (hard bounce)" in texts["suppression"]
    assert "Снятые" in texts["suppressions"]  # the filter: active or lifted ones
    assert "Firebase Cloud Messaging (Android, веб)" in texts["push_deliveries"]
    assert "Служба push-уведомлений Apple (APNs, iOS)" in texts["push_deliveries"]
    assert "\tfcm\t" not in texts["push_deliveries"] and "Устройство:\nAndroid: Анна Орлова" in texts["push_delivery"]
    assert "outbox- и его номер" in texts["push_delivery"]  # the help text lost "<id>" to the HTML
    # and the outbox names its channels as staff know them, in the list, its filters and a message's page
    assert "\tEmail\t" in texts["outbox"] and "\tSMS\t" in texts["outbox"]
    assert "\tPush-уведомления\tPush-уведомления\t" in texts["outbox"] and "Вебхук" in texts["outbox"]  # (its filter)
    assert "Канал:\nSMS" in texts["outbox_failed"] and "Отправлено через канал:\nPush-уведомления" in texts["outbox_sent"]
    # and a click is a click, not a count of them
    assert "Переход по ссылке" in texts["events"] and "Переходов" not in texts["events"]
    # and suppressions are lifted, not deleted: the row keeps why the address was blocked and who lifted it
    assert "Снять блокировку" in texts["suppressions"] and "Удалить выбранные" not in texts["suppressions"]
    assert "Удалить" not in texts["suppression"]
    assert Device.objects.count() == 2 and EmailSuppression.objects.count() == 1
