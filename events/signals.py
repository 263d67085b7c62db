"""Signals the events app sends.

`events_recorded` — sent inside the transaction that stored new events (from the API, a built-in record, or a
set-based batch), once per call, never for a replay that stored nothing:
    events: list of events.services.ingest.RecordedEvent (id, type_id, type_key, member_id, occurred_at)
Also sent, with `attached=True`, when an anonymous visitor's earlier events become a member's (they signed in or
ordered with that anonymous id): for a receiver these are the member's new events like any other.
Receivers that start work (campaign triggers) should queue it with `transaction.on_commit`.
"""
from django.dispatch import Signal

events_recorded = Signal()
