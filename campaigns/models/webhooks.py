import base64
import binascii
import secrets

import simple_history
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.encryption import EncryptedTextField


class WebhookEvent(models.TextChoices):
    STAGE_CHANGED = "stage.changed", _("Lifecycle stage changed")
    SEGMENT_ENTERED = "segment.entered", _("Segment entered")
    TIER_CHANGED = "tier.changed", _("Tier changed")
    POINTS_EARNED = "points.earned", _("Points earned")
    COUPON_ISSUED = "coupon.issued", _("Coupon issued")


SECRET_PREFIX = "whsec_"


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes (the HMAC key)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret (its base64-decoded part); ValueError for anything else."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error as error:
        raise ValueError("a webhook secret is whsec_ and base64") from error
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def validate_webhook_secret(value: str) -> None:
    try:
        key = webhook_secret_key(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if not 24 <= len(key) <= 64:
        raise ValidationError("A webhook secret's key is 24 to 64 bytes.")


class WebhookSubscription(models.Model):
    name = models.CharField(_("name"), max_length=128)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(
        _("events"), default=list, help_text=_("Event names, e.g. [\"tier.changed\", \"coupon.issued\"].")
    )
    # Encrypted at rest: each delivery is signed with them, so they cannot be hashed like API keys.
    secret = EncryptedTextField(
        _("secret"), default=new_webhook_secret, validators=[validate_webhook_secret],
        help_text=_("Signs each delivery (Standard Webhooks: webhook-signature v1, HMAC-SHA256); give it to the "
                    "receiver.")
    )
    previous_secret = EncryptedTextField(
        _("previous secret"), blank=True,
        help_text=_("The secret replaced by the last rotation; still signs until it ends.")
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True,
        help_text=_("Until then each delivery carries a second signature, by the previous secret.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} → {self.url}"


# Configuration history of subscriptions: every field but the signing secrets (whatever they are named), which
# must never be copied in clear into a second table.
simple_history.register(
    WebhookSubscription, app="campaigns",
    excluded_fields=[field.name for field in WebhookSubscription._meta.fields if "secret" in field.name],
)
