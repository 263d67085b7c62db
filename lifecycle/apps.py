from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Lifecycle")

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from .event_records import connect

        connect()  # stage_changed built-in events
        from django.db.models import F, Value
        from django.db.models.functions import Coalesce

        from customers.export_columns import register

        register("lifecycle_stage", Coalesce(F("lifecycle__stage__slug"), Value("active")), order=300)
