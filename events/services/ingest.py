"""Ingest a client's batch of events: each event checked on its own, the good ones stored in one statement."""
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.timezones import as_shop_aware
from customers.models import Member

from ..selectors import event_types_by_key
from .partitions import retention_cutoff
from .store import EventRow, events_attach_anonymous, events_store

EVENT_KEYS = {"id", "type", "time", "member", "anonymous_id", "properties"}
MAX_TEXT = 64
FUTURE_LEEWAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class EventRejection:
    index: int
    id: str | None
    code: str
    message: str


@dataclass
class IngestResult:
    accepted: list[int] = field(default_factory=list)  # indexes stored now
    duplicates: list[int] = field(default_factory=list)  # indexes already stored before (or earlier in the batch)
    rejected: list[EventRejection] = field(default_factory=list)
    attached: int = 0  # anonymous events given to a member


class _Reject(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def _text(item, key, *, required):
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise _Reject("invalid", f"`{key}` is required.")
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT or not value.isprintable():
        raise _Reject("invalid", f"`{key}` must be printable text of 1 to {MAX_TEXT} characters.")
    return value.strip()


def _time(item, now, cutoff):
    raw = item.get("time")
    if raw is None:
        return now
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _Reject("invalid", "`time` must be an ISO 8601 date and time, e.g. 2026-05-01T12:30:00+03:00.")
    parsed = parsed if timezone.is_aware(parsed) else as_shop_aware(parsed)
    if parsed < cutoff:
        raise _Reject("too_old", f"`time` is before {cutoff.date().isoformat()}, older than the events kept.")
    if parsed > now + FUTURE_LEEWAY:
        raise _Reject("in_future", "`time` is more than a day ahead of the server's clock.")
    return parsed


def _schema_error(validator, properties) -> str | None:
    errors = sorted(validator.iter_errors(properties), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    where = "/".join(str(part) for part in error.absolute_path)
    return f"properties{'/' + where if where else ''}: {error.message}"


def events_ingest(*, source: str, items: list, member: Member | None = None) -> IngestResult:
    """Check each item of a client's batch and store the good ones (one set-based INSERT).

    Guarantees: an event id already stored for `source` is stored never again (a duplicate, not an error);
    a bad item is rejected by its index with a code and reason and never stops the others; with `member`
    (the app's member token) every event is that member's and naming another member is refused. An item
    naming both a member and an anonymous id attaches that anonymous id's earlier events to the member.
    """
    result = IngestResult()
    now, cutoff = timezone.now(), retention_cutoff()
    types = event_types_by_key()
    checked, seen = [], set()
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise _Reject("invalid", "Each event is an object.")
            unknown = sorted(set(item) - EVENT_KEYS)
            if unknown:
                raise _Reject("invalid", f"Unknown keys: {', '.join(map(str, unknown))}.")
            event_id = _text(item, "id", required=True)
            key = item.get("type")
            found = types.get(key) if isinstance(key, str) else None
            if found is None or not found[0].is_active or found[0].is_builtin:
                raise _Reject("unknown_type", f"No active event type {key!r} may be sent.")
            event_type, validator = found
            external_id = _text(item, "member", required=False)
            anonymous_id = _text(item, "anonymous_id", required=False)
            if member is not None and external_id and external_id != member.external_id:
                raise _Reject("forbidden_member", "A member's token sends only that member's events.")
            if member is None and not external_id and not anonymous_id:
                raise _Reject("invalid", "Give `member` (the shop's id) or `anonymous_id`.")
            occurred_at = _time(item, now, cutoff)
            properties = item.get("properties", {})
            if not isinstance(properties, dict):
                raise _Reject("invalid", "`properties` must be an object.")
            problem = _schema_error(validator, properties)
            if problem:
                raise _Reject("invalid_properties", problem)
        except _Reject as reject:
            event_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            result.rejected.append(EventRejection(index, event_id, reject.code, reject.message))
            continue
        if event_id in seen:
            result.duplicates.append(index)
            continue
        seen.add(event_id)
        checked.append((index, event_id, event_type.pk, external_id, anonymous_id, occurred_at, properties))

    member_ids = {}
    if member is not None:
        member_ids = {"": member.pk, member.external_id: member.pk}
    else:
        wanted = {row[3] for row in checked if row[3]}
        if wanted:
            member_ids = dict(Member.objects.filter(external_id__in=wanted).values_list("external_id", "pk"))
    rows, indexes, attach = [], {}, set()
    for index, event_id, type_id, external_id, anonymous_id, occurred_at, properties in checked:
        member_id = member_ids.get(external_id) if (external_id or member is not None) else None
        if external_id and member_id is None:
            result.rejected.append(EventRejection(index, event_id, "unknown_member", "No member has this external id."))
            continue
        rows.append(EventRow(event_id=event_id, type_id=type_id, occurred_at=occurred_at, member_id=member_id,
                             anonymous_id=anonymous_id, properties=properties))
        indexes[event_id] = index
        if member_id and anonymous_id:
            attach.add((anonymous_id, member_id))
    with transaction.atomic():
        stored = events_store(source=source, rows=rows, received_at=now)
        for anonymous_id, member_id in sorted(attach):
            result.attached += events_attach_anonymous(anonymous_id=anonymous_id, member_id=member_id)
    stored_ids = {event.event_id for event in stored}
    for row in rows:
        (result.accepted if row.event_id in stored_ids else result.duplicates).append(indexes[row.event_id])
    result.accepted.sort()
    result.duplicates.sort()
    result.rejected.sort(key=lambda r: r.index)
    return result


def batch_too_large(items) -> bool:
    return len(items) > settings.EVENTS_MAX_BATCH
