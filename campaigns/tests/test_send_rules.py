"""Every send rule, checked at the moment of sending, with the clock fixed."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.services import outbox_send_due
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory
from messaging.devices import device_register
from segments.models import MemberStats

from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=MOSCOW)


def message_for(member, *, due_at=NOON, channel="email", **kwargs):
    entry = EntryFactory(member=member, triggered_at=due_at)
    step = StepFactory(campaign=entry.campaign, channel=channel, **kwargs)
    return CampaignMessageFactory(entry=entry, campaign_step=step, due_at=due_at)


def reload(message):
    message.refresh_from_db()
    return message


def test_consent_is_read_at_send_time_so_a_withdrawal_stops_a_queued_message():
    # given a message queued while the member consented
    member = MemberFactory(email_consent=True, sms_consent=False, push_consent=False)
    message = message_for(member)
    # when they withdraw before it goes out
    member.email_consent = False
    member.save()
    outbox_send_due(now=NOON)
    # then it is suppressed with the reason, and nothing is sent
    assert (reload(message).status, reload(message).reason.split(":")[0]) == (OutboxStatus.SUPPRESSED, "no_consent")
    assert mail.outbox == []


def test_falls_back_to_the_members_other_consented_channel_in_their_preferred_order(locmem_channels):
    # given no email consent, both SMS and push consent (with the app on a phone), and a preference for push
    member = MemberFactory(email_consent=False, sms_consent=True, push_consent=True, phone="+79000000001",
                           preferred_channel="push")
    device_register(member=member, platform="android", push_token="fcm-1")
    message = message_for(member, body_template="Hi from {{ channel }}", push_body_template="Hi from {{ channel }}")
    # when the email step is sent
    outbox_send_due(now=NOON)
    # then it goes out as push, the preferred fallback, with the reason noted
    message = reload(message)
    assert (message.status, message.sent_channel, message.reason) == (OutboxStatus.DELIVERED, "push", "fallback from email")
    assert [(m.channel, m.to, m.body) for m in locmem_channels] == [("push", member.external_id, "Hi from push")]
    assert mail.outbox == []


def test_push_consent_without_a_registered_device_falls_back_to_the_next_channel(locmem_channels):
    # given a member who prefers push and consents to it and SMS, but has not installed the app
    member = MemberFactory(email_consent=False, sms_consent=True, push_consent=True, phone="+79000000001",
                           preferred_channel="push")
    message = message_for(member, body_template="Hi", sms_template="Hi by SMS", push_body_template="Hi by push")
    # when the email step is sent
    outbox_send_due(now=NOON)
    # then it goes out as SMS: there is no device to push to
    message = reload(message)
    assert (message.status, message.sent_channel) == (OutboxStatus.DELIVERED, "sms")
    assert [(m.channel, m.body) for m in locmem_channels] == [("sms", "Hi by SMS")]


def test_frequency_cap_per_day_defers_the_second_message_to_the_next_day(send_rules):
    # given a cap of one marketing message per day and two messages due now
    send_rules.max_per_day = 1
    send_rules.save()
    member = MemberFactory(email_consent=True)
    first, second = message_for(member), message_for(member)
    # when the worker runs
    outbox_send_due(now=NOON)
    # then one goes out and the other waits for tomorrow's best hour (default 0:00 here)
    assert reload(first).status == OutboxStatus.DELIVERED
    second = reload(second)
    assert (second.status, second.reason) == (OutboxStatus.PENDING, "frequency_cap")
    assert second.due_at == dt.datetime(2026, 11, 25, 0, 0, tzinfo=MOSCOW)
    assert len(mail.outbox) == 1
    # and a day later it goes out
    outbox_send_due(now=NOON + dt.timedelta(days=1))
    assert reload(second).status == OutboxStatus.DELIVERED


def test_frequency_cap_per_week_counts_the_last_seven_days(send_rules):
    send_rules.max_per_week = 2
    send_rules.save()
    member = MemberFactory(email_consent=True)
    for days_ago in (6, 3):
        message_for(member, due_at=NOON - dt.timedelta(days=days_ago))
        outbox_send_due(now=NOON - dt.timedelta(days=days_ago))
    third = message_for(member)
    outbox_send_due(now=NOON)
    assert (reload(third).status, reload(third).reason) == (OutboxStatus.PENDING, "frequency_cap")
    assert len(mail.outbox) == 2


def test_quiet_hours_in_the_members_time_zone_defer_to_their_morning(send_rules):
    # given quiet hours 21–9 and a member in Vladivostok (UTC+10), where noon Moscow is 19:00
    send_rules.quiet_hours_start, send_rules.quiet_hours_end = 21, 9
    send_rules.save()
    vladivostok = ZoneInfo("Asia/Vladivostok")
    member = MemberFactory(email_consent=True, timezone="Asia/Vladivostok")
    message = message_for(member, due_at=NOON - dt.timedelta(hours=10))
    # when the worker runs at 02:00 Moscow = 09:00 Vladivostok... first at 22:00 Vladivostok
    outbox_send_due(now=dt.datetime(2026, 11, 24, 22, 0, tzinfo=vladivostok))
    # then it waits for 09:00 there
    message = reload(message)
    assert (message.status, message.reason) == (OutboxStatus.PENDING, "quiet_hours")
    assert message.due_at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=vladivostok)
    outbox_send_due(now=dt.datetime(2026, 11, 25, 9, 0, tzinfo=vladivostok))
    assert reload(message).status == OutboxStatus.DELIVERED


def test_best_hour_is_the_members_most_common_open_hour_else_the_default(send_rules):
    # given one member who opens mail at 18:00 and one without history, default hour 10
    send_rules.default_send_hour = 10
    send_rules.save()
    evening = MemberFactory(email_consent=True)
    MemberStats.objects.create(member=evening, top_open_hour=18)
    unknown = MemberFactory(email_consent=True)
    morning = dt.datetime(2026, 11, 24, 0, 0, tzinfo=MOSCOW)
    a, b = message_for(evening, due_at=morning), message_for(unknown, due_at=morning)
    # when the worker runs at 08:00, 10:00 and 18:00
    outbox_send_due(now=morning.replace(hour=8))
    assert reload(a).due_at == morning.replace(hour=18) and reload(b).due_at == morning.replace(hour=10)
    outbox_send_due(now=morning.replace(hour=10))
    statuses_at_ten = (reload(a).status, reload(b).status)
    outbox_send_due(now=morning.replace(hour=18))
    # then each goes out at its own hour
    assert statuses_at_ten == (OutboxStatus.PENDING, OutboxStatus.DELIVERED)
    assert reload(a).status == OutboxStatus.DELIVERED


def test_a_message_that_cannot_go_out_within_its_window_is_dropped_not_sent_late(send_rules):
    # given the best hour is 18:00 but the window closes at 15:00
    send_rules.default_send_hour = 18
    send_rules.save()
    member = MemberFactory(email_consent=True)
    closing = message_for(member)
    OutboxMessage.objects.filter(pk=closing.pk).update(expires_at=NOON.replace(hour=15))
    # and another whose window already ended while the worker was down
    late = message_for(member, due_at=NOON - dt.timedelta(days=9))
    # when the worker runs at noon
    outbox_send_due(now=NOON)
    # then both are dropped with the reason
    assert reload(closing).status == OutboxStatus.SUPPRESSED
    assert reload(closing).reason == "window_expired: best_hour would send it after the window"
    assert reload(late).status == OutboxStatus.SUPPRESSED and reload(late).reason.startswith("window_expired")
    assert mail.outbox == []


def test_only_if_no_purchase_since_the_trigger():
    bought, waited = MemberFactory(email_consent=True), MemberFactory(email_consent=True)
    a = message_for(bought, condition="no_purchase", due_at=NOON - dt.timedelta(days=2))
    b = message_for(waited, condition="no_purchase", due_at=NOON - dt.timedelta(days=2))
    OrderFactory(member=bought, created_at=NOON - dt.timedelta(days=1))
    OrderFactory(member=waited, created_at=NOON - dt.timedelta(days=3))  # before the trigger
    outbox_send_due(now=NOON)
    assert (reload(a).status, reload(a).reason) == (OutboxStatus.SUPPRESSED, "condition: purchased since the trigger")
    assert reload(b).status == OutboxStatus.DELIVERED
