from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging providers"

    def ready(self):
        from . import personal_data  # noqa: F401  (its part of a member's export and erasure)
