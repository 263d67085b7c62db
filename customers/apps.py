from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self):
        from .export_columns import register_foundation_columns

        register_foundation_columns()
