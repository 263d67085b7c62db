"""Custom and built-in events: types with a JSON Schema, ingest, storage partitioned by month.

Floor: above `customers` (events belong to members), below `loyalty`, `segments` and `campaigns`, which
record built-in events here, read them as segment conditions and start campaigns on them.
"""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from . import receivers  # noqa: F401  (engagement as events; the member's export and erasure)
