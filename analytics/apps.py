from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from django.db.models import F

        from customers.export_columns import register

        from . import segment_conditions  # noqa: F401  (registers the segment conditions)
        from . import signals  # noqa: F401  (refreshes members' scores after an import)

        for order, column in enumerate(["predicted_clv", "prob_alive", "predicted_purchases_365"], start=400):
            register(column, F(f"stats__{column}"), order=order)
