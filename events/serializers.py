"""The shape of a POST /api/v1/events body: what its OpenAPI schema promises, checked fast by hand.

A body that breaks the schema (a number for an id, an unknown key, a date that is no date) is a 400 for the
whole request, as everywhere in the API; what the schema cannot know (an unknown type or member, properties
against the type's JSON Schema, a time outside the kept window) is answered per event. DRF serializers would
check the same but cost more than the insert for a batch of 1,000.
"""
import datetime as dt

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.exceptions import DomainError
from core.schema import text_pattern
from core.serializers import StrictSerializer

MAX_DEPTH = 3  # objects and lists nest at most this deep inside `properties` (a cart's items are 2)
TEXT = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": text_pattern(blank=False)}


def _json_value(depth: int) -> dict:
    # OpenAPI 3.0 has no `null` type (a nullable string stands for it) and no `propertyNames`: keys with control
    # characters, which the parser refuses, are the one thing this cannot say.
    options = [{"type": "string", "nullable": True, "pattern": text_pattern(blank=True)}, {"type": "number"},
               {"type": "boolean"}]
    if depth > 0:
        options += [{"type": "array", "items": _json_value(depth - 1)},
                    {"type": "object", "additionalProperties": _json_value(depth - 1)}]
    return {"anyOf": options}


@extend_schema_field({"type": "object", "additionalProperties": _json_value(MAX_DEPTH - 1),
                      "description": "Checked against the event type's JSON Schema."})
class PropertiesField(serializers.DictField):
    pass


@extend_schema_field(TEXT)
class EventTextField(serializers.CharField):
    pass


class EventInput(StrictSerializer):
    id = EventTextField(help_text="The sender's unique id of the event; a replay of an id is ignored.")
    type = EventTextField(help_text="An active event type's key (admin → Event types), e.g. `cart_updated`.")
    time = serializers.DateTimeField(required=False, help_text="When it happened; without a zone: shop time; "
                                                               "omitted: now; at most a day ahead.")
    member = EventTextField(required=False, help_text="The member's external id (with a member token: omit it, "
                                                      "or give that member's).")
    anonymous_id = EventTextField(required=False, help_text="The visitor's id before sign-in; sent with `member`, "
                                                            "it attaches that id's earlier events to the member.")
    properties = PropertiesField(required=False)


class EventBatchInput(StrictSerializer):
    events = EventInput(many=True, max_length=1000,
                        help_text="Up to 1,000 events. Each needs `member` or `anonymous_id` (a member token supplies "
                                  "the member).")


def _invalid(path: str, message: str):
    return DomainError("Invalid input.", code="invalid", fields={path: [message]})


def _text(value, path):
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise _invalid(path, "Expected text of 1 to 64 characters.")


def _time(value, path):
    if not isinstance(value, str):
        raise _invalid(path, "Expected an ISO 8601 date and time.")
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(path, "Expected an ISO 8601 date and time.") from None


def _depth(value, depth=0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((_depth(v, depth + 1) for v in value), default=depth + 1)
    return depth


CHECKS = {"id": _text, "type": _text, "member": _text, "anonymous_id": _text, "time": _time}


def event_batch_check(body) -> list[dict]:
    """The events of a body shaped as EventBatchInput says; DomainError (400) naming the first thing that is not."""
    if not isinstance(body, dict) or set(body) != {"events"} or not isinstance(body["events"], list):
        raise _invalid("events", "Send {\"events\": [...]} and nothing else.")
    events = body["events"]
    if len(events) > settings.EVENTS_MAX_BATCH:
        raise _invalid("events", f"At most {settings.EVENTS_MAX_BATCH} events per request.")
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, dict):
            raise _invalid(where, "Each event is an object.")
        unknown = set(event) - set(CHECKS) - {"properties"}
        if unknown:
            raise _invalid(where, f"Unknown keys: {', '.join(sorted(map(str, unknown)))}.")
        for key in ("id", "type"):
            if key not in event:
                raise _invalid(f"{where}.{key}", "This field is required.")
        for key, check in CHECKS.items():
            if key in event:
                check(event[key], f"{where}.{key}")
        properties = event.get("properties", {})
        if not isinstance(properties, dict) or _depth(properties) > MAX_DEPTH:
            raise _invalid(f"{where}.properties", f"Expected an object nested at most {MAX_DEPTH} deep.")
    return events
