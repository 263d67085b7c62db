"""Built-in events the platform records about itself (orders, points, tiers, coupons, stages, segments, messages).

Called by the receivers of the floors above (loyalty, lifecycle, segments, campaigns) inside the transaction of
their cause, so an event exists exactly when its cause committed; the event id is the cause's own key, so a
cause replayed or a pass run twice records nothing twice.
"""
import datetime as dt

from django.utils import timezone

from ..selectors import builtin_type_id
from .store import EventRow, RecordedEvent, events_store

SOURCE = "platform"
BUILTIN_TYPES = {
    "order_completed": "Order completed",
    "points_earned": "Points earned",
    "points_spent": "Points spent",
    "points_expiring": "Points expiring soon",
    "tier_changed": "Tier changed",
    "coupon_issued": "Coupon issued",
    "coupon_redeemed": "Coupon redeemed",
    "stage_changed": "Lifecycle stage changed",
    "segment_entered": "Entered a segment",
    "segment_left": "Left a segment",
    "message_delivered": "Message delivered",
    "message_opened": "Message opened",
    "message_clicked": "Message link clicked",
}


def event_record(*, type_key: str, event_id: str, member_id: int, properties: dict | None = None,
                 occurred_at: dt.datetime | None = None) -> list[RecordedEvent]:
    """Record one built-in event (once per `event_id`: a second call stores nothing)."""
    return events_record_many(type_key=type_key, rows=[(event_id, member_id, occurred_at or timezone.now(),
                                                        properties or {})])


def events_record_mixed(*, rows) -> list[RecordedEvent]:
    """Record built-in events of several types, given as (type_key, event_id, member_id, occurred_at, properties),
    in one statement (two on SQLite); ids already recorded are skipped."""
    batch, seen = [], set()
    for type_key, event_id, member_id, occurred_at, properties in rows:
        if event_id not in seen:
            seen.add(event_id)
            batch.append(EventRow(event_id=event_id, type_id=builtin_type_id(type_key, BUILTIN_TYPES.get(type_key, "")),
                                  occurred_at=occurred_at, member_id=member_id, properties=properties))
    return events_store(source=SOURCE, rows=batch)


def events_record_many(*, type_key: str, rows) -> list[RecordedEvent]:
    """Record built-in events of one type from (event_id, member_id, occurred_at, properties) tuples in one
    statement; ids already recorded are skipped (and so are ids repeated within `rows`)."""
    type_id, seen, batch = builtin_type_id(type_key, BUILTIN_TYPES.get(type_key, "")), set(), []
    for event_id, member_id, occurred_at, properties in rows:
        if event_id not in seen:
            seen.add(event_id)
            batch.append(EventRow(event_id=event_id, type_id=type_id, occurred_at=occurred_at, member_id=member_id,
                                  properties=properties))
    return events_store(source=SOURCE, rows=batch)
