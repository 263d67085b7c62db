from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from customers.export_columns import register

        register("tier", "account__tier__name", order=200)
        register("points_balance", "account__available_points", order=201)
