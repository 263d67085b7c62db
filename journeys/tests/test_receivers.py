"""A journey's advance is queued when its campaign enters members and when an event it watches commits, so a path
without waits does not wait for the per-minute sweep."""
import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Trigger
from campaigns.services.event_triggers import event_campaign_enter
from customers.tests.factories import MemberFactory
from events.models import EventType
from events.services import events_ingest
from events.tests.factories import event_types  # noqa: F401

from .. import tasks
from ..models import NodeKind
from ..services.advance_requests import journey_advance_request, journey_advance_request_taken
from .factories import action, journey_create, node, wire

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.journey_advance_task, "apply_async", lambda args, **kwargs: calls.append(args[0]))
    return calls


PROPERTIES = {"cart_updated": {"items": [{"sku": "K-1", "name": "Чайник", "quantity": 1}]},
              "product_viewed": {"sku": "K-1"}, "app_opened": {}}


def ingest(member, key, event_id, at=None):
    result = events_ingest(source="shop", items=[{"id": event_id, "type": key, "member": member.external_id,
                                                  "time": (at or timezone.now()).isoformat(),
                                                  "properties": PROPERTIES[key]}])
    assert result.accepted == [0]


def test_members_entering_the_campaign_queue_the_journey_after_the_commit(queued, django_capture_on_commit_callbacks):
    # given a journey on cart_updated without delay
    journey = journey_create(trigger=Trigger.EVENT, stage=None, event_type=EventType.objects.get(key="cart_updated"))
    action(journey, 0, "Корзина")
    member = MemberFactory(email_consent=True)
    ingest(member, "cart_updated", "c1", at=timezone.now() - dt.timedelta(seconds=5))
    # when the campaign's trigger enters the member
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event_campaign_enter(campaign=Campaign.objects.get(pk=journey.campaign_id))
    # then the journey's advance is queued once the entry commits
    assert queued == [journey.pk] and callbacks


def test_an_event_a_wait_watches_queues_the_journey_and_another_does_not(queued, django_capture_on_commit_callbacks):
    # given a journey waiting for app_opened
    journey = journey_create()
    wait = node(journey, 0, NodeKind.WAIT, wait_seconds=3600, wait_event_type=EventType.objects.get(key="app_opened"))
    wire(wait, action(journey, 1, "Спасибо"))
    member = MemberFactory()
    # when an unrelated event commits, and then the watched one
    with django_capture_on_commit_callbacks(execute=True):
        ingest(member, "product_viewed", "p1")
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        ingest(member, "app_opened", "a1")
    # then only the watched event queued the journey
    assert queued == [journey.pk]


def test_requests_while_an_advance_is_queued_collapse_into_it_and_one_after_it_starts_queues_another(
        queued, django_capture_on_commit_callbacks):
    # given a journey waiting for app_opened
    journey = journey_create()
    wait = node(journey, 0, NodeKind.WAIT, wait_seconds=3600, wait_event_type=EventType.objects.get(key="app_opened"))
    wire(wait, action(journey, 1, "Спасибо"))
    people = [MemberFactory() for _ in range(3)]
    # when three watched events commit one after the other before any worker starts the advance
    for i, member in enumerate(people):
        with django_capture_on_commit_callbacks(execute=True):
            ingest(member, "app_opened", f"a{i}")
    # then one advance is queued for all three
    assert queued == [journey.pk]
    # when the worker starts it and another event commits during its pass
    journey_advance_request_taken(journey_id=journey.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ingest(people[0], "app_opened", "a3")
    # then exactly one more advance is queued (the running pass may have read before that event)
    assert queued == [journey.pk, journey.pk]


def test_a_request_the_broker_refused_does_not_hold_back_the_next(monkeypatch):
    # given a broker that refuses the first task
    journey = journey_create()
    calls = []

    def apply_async(args, **kwargs):
        calls.append(args[0])
        if len(calls) == 1:
            raise ConnectionError("broker down")
    monkeypatch.setattr(tasks.journey_advance_task, "apply_async", apply_async)
    # when two requests are made
    first = journey_advance_request(journey_id=journey.pk)
    second = journey_advance_request(journey_id=journey.pk)
    # then the second is queued, not collapsed into the lost one
    assert (first, second) == (False, True) and calls == [journey.pk, journey.pk]
