from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApiKey(models.Model):
    """A key a system (POS, web shop, staff tools) uses for the API. Only a hash is stored; the key is shown once."""

    class Scope(models.TextChoices):
        STAFF = "staff", _("Staff tools (segments, exports)")
        POS = "pos", _("POS and web shop")

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, help_text=_("The public first part of the key."))
    key_hash = models.CharField(_("key hash"), max_length=64)
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("What the key may do."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    rate_limit = models.PositiveIntegerField(
        _("rate limit"), null=True, blank=True,
        help_text=_("Requests per second; empty means the API_KEY_RATE_LIMIT setting.")
    )
    # The hash is kept (it is no secret); when the key was last used is noise, not configuration.
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def requests_per_second(self) -> int:
        from django.conf import settings

        return self.rate_limit or settings.API_KEY_RATE_LIMIT


class IdempotencyKey(models.Model):
    """The first outcome of a write sent with an `Idempotency-Key` header, replayed for retries.

    A row is claimed (no response yet, `lock_token` set) before the write runs and completed in the
    write's own transaction, so a stored response always matches what was committed.
    """

    owner = models.CharField(_("owner"), max_length=64, help_text=_("Whose key space: api-key:<id> or user:<id>."))
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64, help_text=_("SHA-256 of method, path and canonical body.")
    )
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=255)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True, encoder=DjangoJSONEncoder)
    lock_token = models.UUIDField(
        _("lock token"), null=True, blank=True, help_text=_("Set while a request runs under this key.")
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique_per_owner")]

    def __str__(self):
        return f"{self.owner} {self.key}"

    @property
    def is_completed(self) -> bool:
        return self.response_status is not None
