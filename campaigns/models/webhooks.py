import secrets

import simple_history
from django.db import models


class WebhookEvent(models.TextChoices):
    STAGE_CHANGED = "stage.changed", "Lifecycle stage changed"
    SEGMENT_ENTERED = "segment.entered", "Segment entered"
    TIER_CHANGED = "tier.changed", "Tier changed"
    POINTS_EARNED = "points.earned", "Points earned"
    COUPON_ISSUED = "coupon.issued", "Coupon issued"


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    name = models.CharField(max_length=128)
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names, e.g. [\"tier.changed\", \"coupon.issued\"].")
    secret = models.CharField(max_length=128, default=new_webhook_secret,
                              help_text="Signs each delivery: X-Loyalty-Signature = sha256 HMAC of the body.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} → {self.url}"


# Configuration history of subscriptions: every field but the signing secrets (whatever they are named), which
# must never be copied in clear into a second table.
simple_history.register(
    WebhookSubscription, app="campaigns",
    excluded_fields=[field.name for field in WebhookSubscription._meta.fields if "secret" in field.name],
)
