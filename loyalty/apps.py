from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty programme")

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from .event_records import connect

        connect()  # built-in events: order completed, points, tier, coupons
        from customers.export_columns import register

        register("tier", "account__tier__name", order=200)
        register("points_balance", "account__available_points", order=201)
        from .importing import register_import_kinds

        register_import_kinds()
