from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from . import receivers  # noqa: F401
