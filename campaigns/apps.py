from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from . import receivers  # noqa: F401
        from . import segment_conditions  # noqa: F401  (campaign responses in the segment builder)
