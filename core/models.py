import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from simple_history.models import HistoricalRecords

from .encryption import EncryptedTextField


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


def _totp_secret_new() -> str:
    from django_otp.util import random_hex

    return random_hex(20)  # 160 bits, as RFC 4226 recommends for HMAC-SHA1


class StaffTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A staff user's authenticator app (TOTP, RFC 6238), its secret encrypted at rest.

    Replaces django-otp's TOTPDevice, which keeps the secret as plain hex in the database (django-otp#67): anyone
    who reads a dump could make every staff user's codes. The code check is django-otp's own `oath.TOTP`; only
    the storage is ours. Migration core 0006 moved the earlier devices here and dropped django-otp's table.
    """

    # Device's and the mixins' fields again, for names staff read in Russian (theirs are plain English strings).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=64)
    confirmed = models.BooleanField(_("confirmed"), default=True,
                                    help_text=_("Off until the user typed one code from the app."))
    throttling_failure_timestamp = models.DateTimeField(_("last failed attempt"), null=True, blank=True)
    throttling_failure_count = models.PositiveIntegerField(_("failed attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), null=True, blank=True, auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    key = EncryptedTextField(_("secret key"), default=_totp_secret_new, help_text=_("Hex, encrypted at rest."))
    step = models.PositiveSmallIntegerField(_("time step, seconds"), default=30)
    t0 = models.BigIntegerField(_("start time (t0)"), default=0)
    digits = models.PositiveSmallIntegerField(_("digits"), default=6)
    tolerance = models.PositiveSmallIntegerField(_("tolerance, steps"), default=1)
    drift = models.SmallIntegerField(_("drift, steps"), default=0)
    last_t = models.BigIntegerField(_("last time step used"), default=-1,
                                    help_text=_("A code is accepted once: the next one must be from a later step."))

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """True for a current code not used before; a wrong code counts towards the device's throttling."""
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        code = str(token).strip()
        if code.isdigit() and self.key and totp.verify(int(code), self.tolerance, self.last_t + 1):
            self.last_t, self.drift = totp.t(), totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app reads from the QR code (Key Uri Format)."""
        issuer = (getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}" if issuer else self.user.get_username()
        params = {"secret": b32encode(self.bin_key).decode(), "algorithm": "SHA1", "digits": self.digits,
                  "period": self.step}
        if issuer:
            params["issuer"] = issuer
        return f"otpauth://totp/{quote(label)}?{urlencode(params, quote_via=quote)}"
