"""New entries of a journey's campaign, and events a journey waits for, branches or converts on, queue the journey's
advance once the cause commits, so a path without waits is run within seconds rather than at the next sweep; requests
for a journey whose advance is queued and not started are collapsed into it (services.advance_requests)."""
import logging

from django.db import transaction

from campaigns.models import Campaign
from campaigns.signals import journey_entries_recorded
from core.process_cache import ProcessCache
from events.signals import events_recorded

from .models import Journey, JourneyNode
from .services.advance_requests import journey_advance_request

logger = logging.getLogger(__name__)


def _queue(journey_id: int):
    def queue():
        journey_advance_request(journey_id=journey_id)
    return queue


def on_entries_recorded(sender, campaign, **kwargs):
    journey_id = Journey.objects.filter(campaign=campaign).values_list("pk", flat=True).first()
    if journey_id:
        transaction.on_commit(_queue(journey_id))


def _event_types_per_journey() -> dict[int, set[int]]:
    """Active journeys by the event types that can move their members: waits, event branches, conversion
    (a completed order is the order_completed event)."""
    from events.models import EventType

    order_type = EventType.objects.filter(key="order_completed").values_list("pk", flat=True).first()
    watched: dict[int, set[int]] = {}
    for pk, conversion in Journey.objects.filter(campaign__is_active=True).values_list("pk", "conversion_event_type_id"):
        watched[pk] = {conversion or order_type}
    rows = (JourneyNode.objects.filter(journey__campaign__is_active=True)
            .values_list("journey_id", "wait_event_type_id", "condition_event_type_id", "condition"))
    for journey_id, wait_type, condition_type, condition in rows:
        watched[journey_id] |= {wait_type, condition_type, order_type if condition == "purchased" else None}
    return {pk: types - {None} for pk, types in watched.items()}


_journeys = ProcessCache("journeys_event_types", _event_types_per_journey, models=[Campaign, Journey, JourneyNode])


def on_events_recorded(sender, events, **kwargs):
    types = {e.type_id for e in events if e.member_id}
    for journey_id, watched in _journeys.get().items():
        if types & watched:
            transaction.on_commit(_queue(journey_id))


journey_entries_recorded.connect(on_entries_recorded, dispatch_uid="journeys_entries", weak=False)
events_recorded.connect(on_events_recorded, dispatch_uid="journeys_events", weak=False)
