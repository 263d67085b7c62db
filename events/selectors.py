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


def builtin_type_id(key: str, name: str = "") -> int:
    """The pk of the built-in type `key`, created if it is missing (seeded by migration 0002; a flushed test
    database or a new built-in type gets it back here)."""
    found = event_types_by_key().get(key)
    if found is not None:
        return found[0].pk
    event_type, _created = EventType.objects.get_or_create(key=key, defaults={"name": name or key, "is_builtin": True})
    return event_type.pk


def member_events(*, member_id: int, type_keys: list[str] | None = None) -> QuerySet[Event]:
    events = Event.objects.filter(member_id=member_id).select_related("type")
    return events.filter(type__key__in=type_keys) if type_keys else events
