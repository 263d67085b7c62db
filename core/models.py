from django.db import models


class ApiKey(models.Model):
    """A key a system (POS, web shop, staff tools) uses for the API. Only a hash is stored; the key is shown once."""

    class Scope(models.TextChoices):
        STAFF = "staff", "Staff tools (segments, exports)"
        POS = "pos", "POS and web shop"

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="The public first part of the key.")
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, help_text="What the key may do.")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
