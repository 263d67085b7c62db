from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from .export_columns import register_foundation_columns
        from .importing.kinds import register_foundation_kinds

        register_foundation_columns()
        register_foundation_kinds()
