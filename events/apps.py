"""Custom and built-in events: types with a JSON Schema, ingest, storage partitioned by month.

Floor: above `customers` (events belong to members), below `loyalty`, `segments` and `campaigns`, which
record built-in events here, read them as segment conditions and start campaigns on them.
"""
from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from . import receivers  # noqa: F401  (engagement as events; the member's export and erasure)
