from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Members' portal and app")

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from . import schema  # noqa: F401  (OpenAPI description of the member token)
