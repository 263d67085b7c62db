"""Reads of event types (cached per process) and of a member's events."""
from django.db.models import QuerySet
from jsonschema.validators import validator_for

from core.process_cache import ProcessCache

from .models import Event, EventType


def _load_types() -> dict:
    types = {}
    for event_type in EventType.objects.all():
        schema = event_type.properties_schema or {}
        types[event_type.key] = (event_type, validator_for(schema)(schema))
    return types


_types = ProcessCache("event_types", _load_types, models=[EventType])


def event_types_by_key() -> dict[str, tuple[EventType, object]]:
    """{key: (EventType, its compiled JSON Schema validator)}, reloaded at most every CONFIG_CACHE_SECONDS."""
    return _types.get()


def event_type_id(key: str) -> int:
    """The pk of the (built-in) type `key`; KeyError if there is none."""
    return event_types_by_key()[key][0].pk


def member_events(*, member_id: int, type_keys: list[str] | None = None) -> QuerySet[Event]:
    events = Event.objects.filter(member_id=member_id).select_related("type")
    return events.filter(type__key__in=type_keys) if type_keys else events
