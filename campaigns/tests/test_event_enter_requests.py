"""A stream of event batches queues one enter task per event campaign and due second, not one per batch; a batch
committed after that task started queues another, so no event waits for the sweep."""
import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from campaigns import tasks
from campaigns.models import Campaign, CampaignEntry, Trigger
from campaigns.services import event_enter_requests
from customers.tests.factories import MemberFactory
from events.models import EventType
from events.services import events_ingest
from events.tests.factories import event_types  # noqa: F401

from .factories import permissive_send_rules

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]


@pytest.fixture
def queued(monkeypatch):
    cache.clear()
    permissive_send_rules()
    calls = []
    # one wall-clock second for the whole test (the key is per due second; a real clock may tick between batches)
    monkeypatch.setattr(event_enter_requests, "time", SimpleNamespace(time=lambda: 1_800_000_000.5))
    monkeypatch.setattr(tasks.event_campaign_enter_task, "apply_async",
                        lambda args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.fixture
def campaign():
    return Campaign.objects.create(slug="cart", name="Cart", trigger=Trigger.EVENT, holdout_percent=0, is_active=True,
                                   event_delay_seconds=0, event_type=EventType.objects.get(key="cart_updated"))


def carts(members, prefix, at, capture):
    with capture(execute=True):
        result = events_ingest(source="shop", items=[
            {"id": f"{prefix}-{m.pk}", "type": "cart_updated", "member": m.external_id, "time": at.isoformat(),
             "properties": {"value": 100, "items": []}} for m in members])
    assert len(result.accepted) == len(members)


def test_batches_collapse_into_the_queued_task_until_it_starts(queued, campaign, django_capture_on_commit_callbacks):
    members, now = MemberFactory.create_batch(4), timezone.now()
    # given three batches committed while the first one's task has not started
    carts(members[:1], "a", now, django_capture_on_commit_callbacks)
    carts(members[1:2], "b", now, django_capture_on_commit_callbacks)
    carts(members[2:3], "c", now + dt.timedelta(milliseconds=5), django_capture_on_commit_callbacks)
    # then one task is queued for them, carrying its request key
    assert len(queued) == 1
    (campaign_id, since, key), kwargs = queued[0]
    assert campaign_id == campaign.pk and key and kwargs["countdown"] == 0
    # when that task runs, it enters all three members
    assert tasks.event_campaign_enter_task.run(campaign_id, since, key) == 3
    # and a batch committed after it started queues a task of its own, which enters that member
    carts(members[3:], "d", now, django_capture_on_commit_callbacks)
    assert len(queued) == 2
    assert tasks.event_campaign_enter_task.run(*queued[1][0]) == 1
    assert CampaignEntry.objects.filter(campaign=campaign).count() == 4


def test_a_batch_older_than_the_queued_one_queues_its_own(queued, campaign, django_capture_on_commit_callbacks):
    members, now = MemberFactory.create_batch(2), timezone.now()
    carts(members[:1], "a", now, django_capture_on_commit_callbacks)
    # when a batch of events older than the queued task's `since` commits in the same second
    carts(members[1:], "b", now - dt.timedelta(minutes=30), django_capture_on_commit_callbacks)
    # then it gets its own task, reading from its own oldest event
    assert len(queued) == 2
    assert queued[1][0][1] < queued[0][0][1] and queued[1][0][2] is None
