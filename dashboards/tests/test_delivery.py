"""Message delivery dashboard: per channel and day, sent and reported with rates; the admin's rate warnings."""
import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import OutboxMessage
from core.timezones import shop_day_start, shop_today
from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory

from .test_views import csv_rows, page_data

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staff", password="x", is_staff=True, is_superuser=True))
    return client


def sent_messages(count, *, channel="email", day=DAY, hour=10):
    member = MemberFactory()
    at = shop_day_start(day) + dt.timedelta(hours=hour)
    start = OutboxMessage.objects.count()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(dedupe_key=f"t:{channel}:{start + n}", member=member, channel=channel, sent_channel=channel,
                      status="delivered", due_at=at, sent_at=at, sent_to="x") for n in range(count))
    return list(OutboxMessage.objects.order_by("-id")[:count]), member


def report(messages, kind, *, day=DAY, times=1):
    at = shop_day_start(day) + dt.timedelta(hours=15)
    EngagementEvent.objects.bulk_create(
        EngagementEvent(member_id=m.member_id, channel=m.sent_channel, kind=kind, occurred_at=at,
                        message_ref=m.idempotency_key) for m in messages for _ in range(times))


def test_per_channel_and_day_counts_each_message_once_per_kind_with_the_rates(staff_client):
    # given 10 emails sent on the 20th: 8 delivered, 4 opened (one of them opened three times), 1 clicked,
    # 2 bounced, 1 complaint; and 5 SMS the next day, 5 delivered
    emails, _ = sent_messages(10)
    report(emails[:8], "delivered")
    report(emails[:3], "open")
    report(emails[3:4], "open", times=3)
    report(emails[:1], "click")
    report(emails[8:], "bounce")
    report(emails[:1], "complaint")
    texts, _ = sent_messages(5, channel="sms", day=DAY + dt.timedelta(days=1))
    report(texts, "delivered", day=DAY + dt.timedelta(days=1))
    # and an imported open without our key, which is not a delivery report of ours
    EngagementEvent.objects.create(member_id=emails[0].member_id, channel="email", kind="open",
                                   occurred_at=shop_day_start(DAY) + dt.timedelta(hours=16), message_ref="")
    query = {"start": "2026-11-19", "end": "2026-11-21"}
    # when staff open the delivery page
    _, charts = page_data(staff_client, "delivery", query)
    # then the email chart has a row per day, the 20th with the counts and rates
    email = charts["delivery-email"]
    assert [row[0] for row in email["rows"]] == ["2026-11-19", "2026-11-20", "2026-11-21"]
    row = dict(zip(email["columns"], email["rows"][1]))
    assert {k: row[k] for k in ["sent", "delivered", "opened", "clicked", "bounced", "complained", "unsubscribed"]} == {
        "sent": 10, "delivered": 8, "opened": 4, "clicked": 1, "bounced": 2, "complained": 1, "unsubscribed": 0}
    assert (row["delivered_percent"], row["open_percent"], row["click_percent"], row["bounce_percent"],
            row["complaint_percent"]) == (80.0, 50.0, 12.5, 20.0, 10.0)
    assert dict(zip(email["columns"], email["rows"][0]))["sent"] == 0
    # and the per-channel totals, and the SMS chart on its day
    totals = {r[0]: dict(zip(charts["delivery-channels"]["columns"], r)) for r in charts["delivery-channels"]["rows"]}
    assert (totals["email"]["sent"], totals["sms"]["sent"], totals["sms"]["delivered_percent"]) == (10, 5, 100.0)
    assert "push" not in totals and charts["delivery-push"]["rows"] == []
    assert dict(zip(charts["delivery-sms"]["columns"], charts["delivery-sms"]["rows"][2]))["delivered"] == 5
    # and the CSV holds the same table
    rows = csv_rows(staff_client, "delivery", "delivery-email", query)
    assert rows[0][:3] == ["day", "sent", "delivered"] and rows[2][:3] == ["2026-11-20", "10", "8"]


def test_admin_warns_when_a_channels_bounce_or_complaint_rate_passes_its_threshold(staff_client, settings):
    # given thresholds of 5 % bounces and 1 % complaints over 7 days, from 20 messages on
    settings.DELIVERY_BOUNCE_WARNING_PERCENT, settings.DELIVERY_COMPLAINT_WARNING_PERCENT = 5.0, 1.0
    settings.DELIVERY_WARNING_DAYS, settings.DELIVERY_WARNING_MIN_SENT = 7, 20
    today = shop_today()
    emails, _ = sent_messages(40, day=today)
    report(emails[:1], "bounce", day=today)  # 2.5 %: under
    # when staff open the admin home / then no warning
    assert "delivery-warnings" not in staff_client.get(reverse("admin:index")).content.decode()
    # given more bounces (4 of 40: 10 %) and a complaint (2.5 %)
    report(emails[1:4], "bounce", day=today)
    report(emails[4:5], "complaint", day=today)
    # then the admin home warns of both in Russian, with the rates, and links the delivery page
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert "delivery-warnings" in html
    assert "Доля отказов (bounce) канала email — 10,0 % за последние 7 дн. (отправлено 40), выше порога 5,0 %" in html
    assert "Доля жалоб на спам канала email — 2,5 %" in html
    # and in English for staff who read English
    english = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bounce rate of email is 10.0 % over the last 7 days (40 sent), above the 5.0 % threshold" in english
    assert reverse("dashboards:page", args=["delivery"]) in html
    # and too few messages say nothing
    settings.DELIVERY_WARNING_MIN_SENT = 41
    assert "delivery-warnings" not in staff_client.get(reverse("admin:index")).content.decode()
