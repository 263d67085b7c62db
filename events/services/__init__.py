"""Writes of the events app: ingest (API batches), built-in records, storage, partitions and retention."""
from .batches import events_record_rows
from .builtin import event_record, events_record_many, events_record_mixed
from .ingest import events_ingest
from .store import events_attach_anonymous, events_store

__all__ = ["event_record", "events_record_rows", "events_attach_anonymous", "events_ingest", "events_record_many", "events_record_mixed", "events_store"]
