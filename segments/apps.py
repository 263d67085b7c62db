from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = _("Segments")

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from django.db.models import F

        from customers.export_columns import register

        from . import signals  # noqa: F401

        for order, column in enumerate(["rfm_code", "rfm_segment", "orders_count", "total_spent", "avg_order_value",
                                        "last_purchase_on"], start=250):
            register(column, F(f"stats__{column}"), order=order)
