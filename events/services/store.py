"""Storing events set-based, replay-safe: one statement for a whole batch on PostgreSQL.

Each row first claims its (source, event id) receipt with INSERT … ON CONFLICT DO NOTHING; only rows whose
receipt is new are inserted into the events table. Two requests carrying the same event at once: the second
waits on the first's receipt and stores nothing once it commits (or stores it, if the first rolled back).
"""
import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from ..signals import events_recorded
from .partitions import event_partitions_ensure_for


@dataclass(frozen=True)
class RecordedEvent:
    id: int
    event_id: str
    type_id: int
    member_id: int | None
    occurred_at: dt.datetime


@dataclass(frozen=True)
class EventRow:
    """One event to store: the sender's id, its type's pk, a member pk or an anonymous id, time, properties."""

    event_id: str
    type_id: int
    occurred_at: dt.datetime
    member_id: int | None = None
    anonymous_id: str = ""
    properties: dict | None = None


def _stored_time(moment: dt.datetime) -> str:
    if connection.vendor == "postgresql":
        return moment.isoformat()
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # Django's SQLite format


def _parse_time(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


_BATCH_SQL = {
    "postgresql": """SELECT b.event_id, b.member_id, b.anonymous_id, b.type_id, b.occurred_at, b.properties
                       FROM jsonb_to_recordset(%s::jsonb) AS b(event_id text, member_id bigint, anonymous_id text,
                                                             type_id bigint, occurred_at timestamptz, properties jsonb)""",
    "sqlite": """SELECT json_extract(value, '$.event_id') AS event_id, json_extract(value, '$.member_id') AS member_id,
                        json_extract(value, '$.anonymous_id') AS anonymous_id, json_extract(value, '$.type_id') AS type_id,
                        json_extract(value, '$.occurred_at') AS occurred_at, json(json_extract(value, '$.properties')) AS properties
                   FROM json_each(%s)""",
}


def events_store(*, source: str, rows: list[EventRow], received_at: dt.datetime | None = None) -> list[RecordedEvent]:
    """Store the rows whose (source, event id) was never stored before; return those stored, and send
    `events_recorded` for them. Run it inside the cause's transaction. Event ids must be unique within `rows`."""
    if not rows:
        return []
    received_at = received_at or timezone.now()
    event_partitions_ensure_for(row.occurred_at for row in rows)
    payload = json.dumps([{
        "event_id": row.event_id, "member_id": row.member_id, "anonymous_id": row.anonymous_id or "",
        "type_id": row.type_id, "occurred_at": _stored_time(row.occurred_at), "properties": row.properties or {},
    } for row in rows], ensure_ascii=False, default=str)
    received = _stored_time(received_at)
    batch = _BATCH_SQL[connection.vendor]
    columns = "source, event_id, type_id, member_id, anonymous_id, occurred_at, received_at, properties"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"""
                WITH batch AS ({batch}),
                fresh AS (INSERT INTO events_eventreceipt (source, event_id, received_at)
                          SELECT %s, event_id, %s FROM batch
                          ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id)
                INSERT INTO events_event ({columns})
                SELECT %s, b.event_id, b.type_id, b.member_id, b.anonymous_id, b.occurred_at, %s, b.properties
                  FROM batch b JOIN fresh f ON f.event_id = b.event_id
                RETURNING id, event_id, type_id, member_id, occurred_at""",
                [payload, source, received, source, received])
        else:  # SQLite has no INSERT in a WITH: claim the receipts, then insert the rows that got one
            cursor.execute(f"""
                INSERT INTO events_eventreceipt (source, event_id, received_at)
                SELECT %s, event_id, %s FROM ({batch}) WHERE true
                ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id""", [source, received, payload])
            fresh = json.dumps([row[0] for row in cursor.fetchall()])
            cursor.execute(f"""
                INSERT INTO events_event ({columns})
                SELECT %s, b.event_id, b.type_id, b.member_id, b.anonymous_id, b.occurred_at, %s, b.properties
                  FROM ({batch}) b WHERE b.event_id IN (SELECT value FROM json_each(%s))
                RETURNING id, event_id, type_id, member_id, occurred_at""", [source, received, payload, fresh])
        stored = [RecordedEvent(pk, event_id, type_id, member_id, _parse_time(occurred))
                  for pk, event_id, type_id, member_id, occurred in cursor.fetchall()]
    if stored:
        events_recorded.send(sender=EventRow, events=stored)
    return stored


def events_attach_anonymous(*, anonymous_id: str, member_id: int) -> int:
    """Give an anonymous visitor's events to the member they turned out to be (signed in, ordered).

    One set-based UPDATE of that anonymous id's events that belong to nobody yet: idempotent (a second call finds
    nothing), and events already attached to a member stay theirs (a second member signing in on the same device
    takes none of them). The attached events are announced with `events_recorded` (attached=True) in this
    transaction, so event campaigns start on them as on new events and segment conditions count them at once.
    Returns how many were attached."""
    if not anonymous_id or not member_id:
        return 0
    with connection.cursor() as cursor:
        # `anonymous_id <> ''` restates the partial index's predicate so the planner may use it (event_anonymous).
        cursor.execute("""UPDATE events_event SET member_id = %s
                           WHERE anonymous_id = %s AND anonymous_id <> '' AND member_id IS NULL
                       RETURNING id, event_id, type_id, member_id, occurred_at""", [member_id, anonymous_id])
        attached = [RecordedEvent(pk, event_id, type_id, member, _parse_time(occurred))
                    for pk, event_id, type_id, member, occurred in cursor.fetchall()]
    if attached:
        events_recorded.send(sender=EventRow, events=attached, attached=True)
    return len(attached)
