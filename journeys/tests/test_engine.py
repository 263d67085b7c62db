"""The journey engine: actions send through the outbox once, waits take the event or the timeout exit, branches send
each member down one path, splits assign stably, conversion ends the journey. SQLite and PostgreSQL."""
import datetime as dt
from decimal import Decimal
from importlib import import_module

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.services.outbox import outbox_send_due
from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory
from events.models import EventType
from events.services import events_ingest
from events.tests.factories import event_types  # noqa: F401
from loyalty.services.orders import order_upsert

from ..models import JourneyMember, JourneyVisit, MemberStatus, NodeKind, SplitAssignment
from ..services.engine import journey_advance
from ..splits import split_bucket, variant_for_bucket
from .factories import action, enter, journey_create, node, variant, wire

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]


def members(n):
    return [MemberFactory(email=f"m{i}@example.com", email_consent=True) for i in range(n)]


def visited(node_):
    return set(JourneyVisit.objects.filter(node=node_).values_list("journey_member__member_id", flat=True))


def event(member, key, event_id, at=None):
    result = events_ingest(source="shop", items=[{"id": event_id, "type": key, "member": member.external_id,
                                                  "time": (at or timezone.now()).isoformat(), "properties": {}}])
    assert result.accepted == [0], result


def order(member, at=None):
    order_upsert(source="shop", external_id=f"O-{member.pk}", member=member, created_at=at or timezone.now(),
                 status="completed", total=Decimal("1500"), currency="RUB", channel="web", lines=[])


def test_an_action_node_queues_its_message_once_and_the_outbox_sends_it_once():
    # given a journey of one message and two members who entered
    journey = journey_create()
    hello = action(journey, 0, "Привет")
    people = members(2)
    enter(journey, people)
    # when the journey advances twice (the beat and a kick)
    first = journey_advance(journey_id=journey.pk)
    journey_advance(journey_id=journey.pk)
    # then each member has one outbox row for the step, sent once
    assert first.entered == 2 and first.planned == 2
    assert OutboxMessage.objects.filter(campaign_step=hello.step).count() == 2
    outbox_send_due()
    outbox_send_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["m0@example.com", "m1@example.com"]
    assert set(JourneyMember.objects.values_list("status", flat=True)) == {MemberStatus.DONE}
    assert visited(hello) == {p.pk for p in people}


def test_a_branch_sends_each_member_down_one_path_only():
    # given: message → wait 1 day → opened? → reminder / exit
    journey = journey_create()
    first = action(journey, 0, "Первое")
    wait = node(journey, 1, NodeKind.WAIT, wait_seconds=86400)
    branch = node(journey, 2, NodeKind.BRANCH, condition="opened", condition_node=first)
    reminder = action(journey, 3, "Напоминание")
    goodbye = node(journey, 4, NodeKind.EXIT)
    wire(first, wait), wire(wait, branch), wire(branch, goodbye, reminder)
    opener, ignorer = members(2)
    start = timezone.now()
    enter(journey, [opener, ignorer], triggered_at=start)
    journey_advance(journey_id=journey.pk, now=start)
    # when one member opens the first message and a day passes
    sent = OutboxMessage.objects.get(member=opener, campaign_step=first.step)
    EngagementEvent.objects.create(member=opener, channel="email", kind="open", occurred_at=start,
                                   message_ref=f"outbox-{sent.pk}")
    assert journey_advance(journey_id=journey.pk, now=start + dt.timedelta(hours=23)).moved == 0  # still waiting
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(days=1, minutes=1))
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(days=1, minutes=2))
    # then the opener exits and only the other gets the reminder; nobody is on both paths
    assert visited(goodbye) == {opener.pk}
    assert visited(reminder) == {ignorer.pk}
    assert list(OutboxMessage.objects.filter(campaign_step=reminder.step).values_list("member_id", flat=True)) == [
        ignorer.pk]
    assert JourneyVisit.objects.filter(node=branch).count() == 2


def test_a_wait_until_an_event_takes_the_event_exit_when_it_happens_and_the_timeout_exit_otherwise():
    # given: wait up to 4 hours for app_opened → "viewed" message / "timeout" message
    journey = journey_create(action_window_days=1)
    wait = node(journey, 0, NodeKind.WAIT, wait_seconds=4 * 3600,
                wait_event_type=EventType.objects.get(key="app_opened"))
    viewed = action(journey, 1, "Спасибо")
    timeout = action(journey, 2, "Ждём вас")
    wire(wait, viewed, timeout)
    doer, idler = members(2)
    start = timezone.now() - dt.timedelta(hours=5)
    enter(journey, [doer, idler], triggered_at=start)
    journey_advance(journey_id=journey.pk, now=start)
    # when one member does the event within the wait, and the wait then times out
    event(doer, "app_opened", "e-1", at=start + dt.timedelta(hours=1))
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(hours=1, minutes=1))
    assert visited(viewed) == {doer.pk} and visited(timeout) == set()
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(hours=4, minutes=1))
    # then the doer took the event exit, the other the timeout exit, each once
    assert visited(viewed) == {doer.pk}
    assert visited(timeout) == {idler.pk}
    assert OutboxMessage.objects.filter(member=doer).count() == 1
    assert OutboxMessage.objects.filter(member=idler).count() == 1


def test_members_who_convert_leave_and_get_nothing_more():
    # given: message → wait 1 day → reminder; both members got the first message
    journey = journey_create()
    first = action(journey, 0, "Первое")
    wait = node(journey, 1, NodeKind.WAIT, wait_seconds=86400)
    reminder = action(journey, 2, "Напоминание")
    wire(first, wait), wire(wait, reminder)
    buyer, other = members(2)
    start = timezone.now() - dt.timedelta(days=2)
    enter(journey, [buyer, other], triggered_at=start)
    journey_advance(journey_id=journey.pk, now=start)
    # when one of them orders, and the wait ends
    order(buyer, at=start + dt.timedelta(hours=2))
    result = journey_advance(journey_id=journey.pk, now=start + dt.timedelta(days=1, minutes=1))
    # then the buyer left as converted, with no reminder; the other got it
    assert result.converted == 1
    assert JourneyMember.objects.get(member=buyer).status == MemberStatus.CONVERTED
    assert list(OutboxMessage.objects.filter(campaign_step=reminder.step).values_list("member_id", flat=True)) == [
        other.pk]


def test_a_queued_message_is_withdrawn_when_the_member_converts():
    # given: message → wait 1 day → reminder, the first message queued but not sent yet (quiet hours, say)
    journey = journey_create()
    first = action(journey, 0, "Первое")
    wait = node(journey, 1, NodeKind.WAIT, wait_seconds=86400)
    wire(first, wait)
    buyer, = members(1)
    start = timezone.now() - dt.timedelta(hours=1)
    enter(journey, [buyer], triggered_at=start)
    journey_advance(journey_id=journey.pk, now=start)
    # when the member orders before it goes out
    order(buyer)
    journey_advance(journey_id=journey.pk)
    # then the message is suppressed and never sent
    message = OutboxMessage.objects.get(campaign_step=first.step)
    assert (message.status, message.reason) == (OutboxStatus.SUPPRESSED, "converted: left the journey")
    outbox_send_due()
    assert mail.outbox == []


def test_a_split_assigns_each_member_once_and_keeps_the_variant_on_a_later_entry():
    # given a 50/50 split of two messages
    journey = journey_create()
    split = node(journey, 0, NodeKind.SPLIT)
    a, b = action(journey, 1, "A"), action(journey, 2, "B")
    va, vb = variant(split, "A", a), variant(split, "B", b)
    people = members(40)
    enter(journey, people)
    # when the journey advances (twice)
    journey_advance(journey_id=journey.pk)
    journey_advance(journey_id=journey.pk)
    # then every member is on exactly one variant, and both variants got members
    on_a, on_b = visited(a), visited(b)
    assert on_a | on_b == {p.pk for p in people} and not on_a & on_b
    assert on_a and on_b
    assert set(JourneyVisit.objects.filter(node=a).values_list("variant", flat=True)) == {va.pk}
    # and the SQL assignment is the Python one: the member's bucket against the cumulative shares
    for member in people:
        expected = [va, vb][variant_for_bucket(split_bucket(member_id=member.pk, split_id=split.pk), [50, 50])]
        assert JourneyVisit.objects.get(node=split, journey_member__member=member).variant_id == expected.pk
    # when the shares change and the same members enter again (a new cart)
    va.weight, vb.weight = 1, 99
    va.save(), vb.save()
    enter(journey, people)
    journey_advance(journey_id=journey.pk)
    # then each keeps the variant they had
    for member in people:
        variants = set(JourneyVisit.objects.filter(journey_member__member=member, node__in=[a, b])
                       .values_list("variant", flat=True))
        assert len(variants) == 1


def test_holdout_entries_never_enter_the_journey():
    journey = journey_create()
    action(journey, 0, "Первое")
    treated, held = members(2)
    enter(journey, [treated])
    enter(journey, [held], is_holdout=True)
    journey_advance(journey_id=journey.pk)
    assert list(JourneyMember.objects.values_list("member_id", flat=True)) == [treated.pk]
    assert not OutboxMessage.objects.filter(member=held).exists()


def test_entries_are_entered_in_chunks_and_each_member_once():
    # given a journey of one message and 23 entries
    journey = journey_create()
    hello = action(journey, 0, "Привет")
    people = members(23)
    enter(journey, people)
    # when it advances five entries at a time
    result = journey_advance(journey_id=journey.pk, entry_chunk=5)
    # then everyone entered once and got the message once, over five passes
    assert result.entered == 23 and result.planned == 23
    assert JourneyMember.objects.count() == 23
    assert OutboxMessage.objects.filter(campaign_step=hello.step).count() == 23
    assert journey_advance(journey_id=journey.pk, entry_chunk=5).entered == 0


def test_the_assignment_backfill_keeps_each_members_earliest_variant_per_split():
    # given members assigned at a split, whose assignments are recorded only in the visits (before 0004)
    journey = journey_create()
    split = node(journey, 0, NodeKind.SPLIT)
    a, b = action(journey, 1, "A"), action(journey, 2, "B")
    variant(split, "A", a), variant(split, "B", b)
    people = members(12)
    enter(journey, people)
    journey_advance(journey_id=journey.pk)
    before = dict(SplitAssignment.objects.values_list("member_id", "variant_id"))
    SplitAssignment.objects.all().delete()
    # when the migration's backfill runs
    with connection.cursor() as cursor:
        cursor.execute(import_module("journeys.migrations.0004_split_assignment").BACKFILL)
    # then each member has their variant again, once
    assert dict(SplitAssignment.objects.values_list("member_id", "variant_id")) == before
    assert len(before) == 12 and SplitAssignment.objects.count() == 12


def test_a_wait_counts_from_when_the_member_reached_it_not_from_when_an_advance_got_round_to_it():
    # given: wait an hour (or for app_opened) → wait an hour → message; a member who entered at `start`
    journey = journey_create(action_window_days=1)
    first = node(journey, 0, NodeKind.WAIT, wait_seconds=3600, wait_event_type=EventType.objects.get(key="app_opened"))
    second = node(journey, 1, NodeKind.WAIT, wait_seconds=3600)
    late, early = action(journey, 2, "Поздно"), action(journey, 3, "Рано")
    wire(first, second, late), wire(second, early)
    on_time_out, on_event = members(2)
    start = timezone.now() - dt.timedelta(hours=3)
    enter(journey, [on_time_out, on_event], triggered_at=start)
    # when the first advance runs 50 minutes late, the event happens at 40 minutes, and the next advance is
    # 61 minutes after the entry (the first wait's timeout) and then 61 minutes after the event
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(minutes=50))
    event(on_event, "app_opened", "o-1", at=start + dt.timedelta(minutes=40))
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(minutes=61))
    # then the idle member timed out at the hour counted from the entry, not from the late advance
    assert visited(late) == {on_time_out.pk}
    # and the other's second wait counts from the event's time, not from when the advance saw it
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(minutes=101))
    assert visited(early) == {on_event.pk}
    at_second = JourneyVisit.objects.get(node=second, journey_member__member=on_event).at
    assert at_second == start + dt.timedelta(minutes=40)
