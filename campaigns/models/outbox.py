from django.db import models
from django.db.models import Q


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending (claimed by a worker)"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional", "Transactional (codes, receipts)"
    MARKETING = "marketing", "Marketing (consent, caps, quiet hours)"
    WEBHOOK = "webhook", "Webhook delivery"


# Stands for the secret in a transactional body; replaced only in what is sent, never in what is stored.
SECRET_PLACEHOLDER = "[[secret]]"


class OutboxMessage(models.Model):
    """One message to send, written in the transaction of its cause and sent by the outbox worker.

    `dedupe_key` is unique: the same cause (campaign step × member × trigger occurrence, a sign-in
    code, a webhook event × subscription) can never queue two messages. A worker claims due rows with
    a lease; a row whose lease ran out (its worker died) is claimed again and re-sent with the same
    idempotency key, which the channel back end passes on so the provider drops the repeat.

    A secret (sign-in code, reset link) is never stored in clear: the body holds SECRET_PLACEHOLDER and
    `encrypted_secret` the value, which only the worker decrypts while it sends, and which is wiped once
    the row's outcome is final.
    """

    dedupe_key = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.MARKETING)
    member = models.ForeignKey(
        "customers.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    channel = models.CharField(max_length=8, help_text="email, sms, push or webhook; marketing may fall back.")
    to = models.CharField(max_length=500, blank=True, help_text="Empty: the member's address at send time.")
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True, help_text="Rendered text; campaign messages are rendered at send time.")
    encrypted_secret = models.TextField(  # db_default: the set-based INSERTs (scheduling, webhooks) omit it
        blank=True, db_default="", help_text="A code or link the body's placeholder stands for, encrypted (core.encryption); "
                              "wiped once the message is delivered, fails for good or expires.")
    payload = models.JSONField(default=dict, blank=True, help_text="Webhook body or extra template context.")
    campaign_step = models.ForeignKey(
        "campaigns.CampaignStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    entry = models.ForeignKey(
        "campaigns.CampaignEntry", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    webhook_subscription = models.ForeignKey(
        "campaigns.WebhookSubscription", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    reason = models.CharField(max_length=255, blank=True, help_text="Why it failed, was suppressed or deferred.")
    due_at = models.DateTimeField(db_index=False, help_text="Not sent before this moment.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Dropped, never sent, after this moment.")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    sent_channel = models.CharField(max_length=8, blank=True, help_text="The channel it finally went out on.")
    sent_to = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The worker's claim query reads only rows still to send.
            models.Index(fields=["due_at"], condition=Q(status__in=["pending", "sending"]), name="outbox_due"),
            # Frequency caps count a member's recent marketing sends.
            models.Index(fields=["member", "sent_at"], condition=Q(status="delivered", purpose="marketing"),
                         name="outbox_member_marketing_sent"),
            models.Index(fields=["entry"], name="outbox_entry"),
            # Providers' delivery reports find their message by the provider's id.
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="outbox_provider_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "delivered", "failed", "suppressed"]),
                name="outbox_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.channel} {self.dedupe_key} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"outbox-{self.pk}"
