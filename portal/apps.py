from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from . import schema  # noqa: F401  (OpenAPI description of the member token)
