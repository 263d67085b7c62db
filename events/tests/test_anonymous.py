"""Anonymous events become the member's once the same anonymous id signs in or orders: one UPDATE, idempotent,
never taking another member's events; segment conditions and event campaigns then see them."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Member
from customers.tests.factories import MemberFactory
from events.models import Event, EventType
from events.services import events_attach_anonymous, events_ingest
from events.signals import events_recorded
from segments.rules import compile_rules, rules_validate

pytestmark = pytest.mark.django_db


def browse(anonymous_id, *event_ids, days_ago=1):
    at = (timezone.now() - dt.timedelta(days=days_ago)).isoformat()
    result = events_ingest(source="shop", items=[
        {"id": event_id, "type": "product_viewed", "anonymous_id": anonymous_id, "time": at,
         "properties": {"sku": "A1", "category": "Дети"}} for event_id in event_ids])
    assert len(result.accepted) == len(event_ids)


def test_attaching_is_one_update_and_idempotent():
    # given a visitor's two anonymous events and someone else's
    member = MemberFactory()
    browse("anon-1", "v1", "v2")
    browse("anon-2", "w1")
    # when the visitor turns out to be the member, twice (a retried sign-in)
    with CaptureQueriesContext(connection) as queries:
        first = events_attach_anonymous(anonymous_id="anon-1", member_id=member.pk)
    again = events_attach_anonymous(anonymous_id="anon-1", member_id=member.pk)
    # then both events are theirs, in one statement, and the second call changes nothing
    assert (first, again) == (2, 0)
    # (receivers of the announcement, e.g. journeys, may read other tables such as events_eventtype)
    on_events = [q["sql"] for q in queries.captured_queries if re.search(r"\bevents_event\b", q["sql"])]
    assert len(on_events) == 1 and on_events[0].lstrip().startswith("UPDATE")
    assert set(Event.objects.filter(member=member).values_list("event_id", flat=True)) == {"v1", "v2"}
    assert Event.objects.get(event_id="w1").member_id is None


def test_a_second_member_with_the_same_anonymous_id_takes_nothing_already_attached():
    # given a shared device: the first member signed in on it and got its events
    first, second = MemberFactory(), MemberFactory()
    browse("device-9", "v1", "v2")
    events_attach_anonymous(anonymous_id="device-9", member_id=first.pk)
    # when another member signs in on the same device after browsing a little more
    browse("device-9", "v3")
    attached = events_attach_anonymous(anonymous_id="device-9", member_id=second.pk)
    # then the second gets only what was still anonymous
    assert attached == 1
    assert set(Event.objects.filter(member=first).values_list("event_id", flat=True)) == {"v1", "v2"}
    assert set(Event.objects.filter(member=second).values_list("event_id", flat=True)) == {"v3"}


def test_attached_events_are_announced_as_the_members_new_events():
    member = MemberFactory()
    browse("anon-1", "v1")
    received = []

    def receiver(sender, events, **kwargs):
        received.append((kwargs.get("attached", False), [(e.event_id, e.member_id) for e in events]))

    events_recorded.connect(receiver, weak=False, dispatch_uid="test_attached")
    try:
        events_attach_anonymous(anonymous_id="anon-1", member_id=member.pk)
        events_attach_anonymous(anonymous_id="anon-1", member_id=member.pk)  # nothing left: no signal
    finally:
        events_recorded.disconnect(dispatch_uid="test_attached")
    assert received == [(True, [("v1", member.pk)])]


def test_segment_conditions_count_attached_events():
    # given a member who viewed a product twice before signing in
    member = MemberFactory(external_id="M1")
    browse("anon-1", "v1", "v2")
    rules = rules_validate({"type": "did_event", "event_type": "product_viewed", "within_days": 30, "min_count": 2})
    assert not Member.objects.filter(compile_rules(rules)).exists()
    # when they sign in
    events_attach_anonymous(anonymous_id="anon-1", member_id=member.pk)
    # then the condition holds for them
    assert list(Member.objects.filter(compile_rules(rules)).values_list("external_id", flat=True)) == ["M1"]


def test_blank_anonymous_id_attaches_nothing():
    member = MemberFactory()
    Event.objects.create(source="x", event_id="e", type=EventType.objects.get(key="app_opened"), anonymous_id="",
                         occurred_at=timezone.now(), received_at=timezone.now())
    assert events_attach_anonymous(anonymous_id="", member_id=member.pk) == 0
    assert Event.objects.get(event_id="e").member_id is None
