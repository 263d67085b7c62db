from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Channel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending (claimed by a worker)")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional (codes, receipts)")
    MARKETING = "marketing", _("Marketing (consent, caps, quiet hours)")
    WEBHOOK = "webhook", _("Webhook delivery")


# Stands for the secret in a transactional body; replaced only in what is sent, never in what is stored.
SECRET_PLACEHOLDER = "[[secret]]"
# The member channels and webhook deliveries (labels for staff; the worker accepts exactly these).
OUTBOX_CHANNELS = [*Channel.choices, ("webhook", _("Webhook"))]


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

    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.MARKETING)
    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="outbox_messages"
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=OUTBOX_CHANNELS,
        help_text=_("email, sms, push or webhook; marketing may fall back."),
    )
    to = models.CharField(_("to"), max_length=500, blank=True, help_text=_("Empty: the member's address at send time."))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(
        _("body"), blank=True, help_text=_("Rendered text; campaign messages are rendered at send time.")
    )
    encrypted_secret = models.TextField(  # db_default: the set-based INSERTs (scheduling, webhooks) omit it
        _("encrypted secret"), blank=True, db_default="",
        help_text=_("A code or link the body's placeholder stands for, encrypted (core.encryption); wiped once the "
                    "message is delivered, fails for good or expires."))
    payload = models.JSONField(
        _("payload"), default=dict, blank=True, help_text=_("Webhook body or extra template context.")
    )
    campaign_step = models.ForeignKey(
        "campaigns.CampaignStep", verbose_name=_("campaign step"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="messages"
    )
    entry = models.ForeignKey(
        "campaigns.CampaignEntry", verbose_name=_("entry"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="messages"
    )
    webhook_subscription = models.ForeignKey(
        "campaigns.WebhookSubscription", verbose_name=_("webhook subscription"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    reason = models.CharField(
        _("reason"), max_length=255, blank=True, help_text=_("Why it failed, was suppressed or deferred.")
    )
    due_at = models.DateTimeField(_("due at"), db_index=False, help_text=_("Not sent before this moment."))
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Dropped, never sent, after this moment.")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    sent_channel = models.CharField(
        _("sent by channel"), max_length=8, blank=True, choices=OUTBOX_CHANNELS,
        help_text=_("The channel it finally went out on."),
    )
    sent_to = models.CharField(_("sent to"), max_length=500, blank=True)
    provider_id = models.CharField(_("provider's ID"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
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
