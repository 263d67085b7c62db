from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging providers")

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
        from . import receivers  # noqa: F401  (ESP tracking webhooks, members changing their address)
