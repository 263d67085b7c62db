"""Where members' messages can reach them and where they must not: their app's push devices, and email
addresses suppressed after a hard bounce.

The device table was portal's (`portal_device`); it moved here, below campaigns, because the push back ends need it.
"""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """A push token of a member's phone; the same token moves to whoever registered it last."""

    class Platform(models.TextChoices):
        IOS = "ios", _("iOS")
        ANDROID = "android", _("Android")
        WEB = "web", _("Web push")

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(_("platform"), max_length=8, choices=Platform.choices)
    push_token = models.CharField(_("push token"), max_length=512, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-updated_at"]
        constraints = [models.CheckConstraint(condition=Q(platform__in=["ios", "android", "web"]), name="device_platform_valid")]

    def __str__(self):
        return f"{self.get_platform_display()}: {self.member}"


class EmailSuppression(models.Model):
    """An address no email goes to: it hard-bounced (or staff blocked it). Lifted, not deleted, so the
    admin keeps the history; at most one active row per address."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        STAFF = "staff", _("Blocked by staff")

    address = models.CharField(_("address"), max_length=254, help_text=_("Lower-cased email address."))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=255, blank=True,
                              help_text=_("The provider's words: bounce code, SMTP answer."))
    source = models.CharField(_("source"), max_length=64, blank=True, help_text=_("Which provider or person said so."))
    member = models.ForeignKey("customers.Member", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("member"))
    message_ref = models.CharField(_("message"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("suppressed at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.CharField(_("why lifted"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("email suppression")
        verbose_name_plural = _("email suppressions")
        constraints = [
            models.UniqueConstraint(fields=["address"], condition=Q(lifted_at__isnull=True),
                                    name="email_suppression_active_once"),
        ]

    def __str__(self):
        return f"{self.address} — {self.get_reason_display()}"


PUSH_PROVIDERS = [("fcm", _("Firebase Cloud Messaging (Android, web)")), ("apns", _("Apple Push Notification service (iOS)"))]


class PushDelivery(models.Model):
    """What one logical push message (an outbox row, by its idempotency key) did on one device.

    Written with the outbox row's own outcome, in its transaction, as soon as the message's devices answered, so a
    retry of the message (after a crash or a temporary failure) sends only to the devices that have no final
    outcome yet: none gets it twice.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent (the provider accepted it)")
        INVALID = "invalid", _("Token invalid or unregistered (device removed)")
        FAILED = "failed", _("Refused for good")
        TEMPORARY = "temporary", _("Not sent yet (temporary error)")

    FINAL = (Status.SENT, Status.INVALID, Status.FAILED)

    message_ref = models.CharField(_("message key"), max_length=64,
                                   help_text=_("The outbox message's idempotency key: outbox- and its number."))
    member = models.ForeignKey("customers.Member", verbose_name=_("member"), on_delete=models.CASCADE,
                               related_name="push_deliveries")
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="deliveries")
    platform = models.CharField(_("platform"), max_length=8, choices=Device.Platform.choices)
    provider = models.CharField(_("push provider"), max_length=16, choices=PUSH_PROVIDERS)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    provider_id = models.CharField(_("provider's ID"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("push delivery")
        verbose_name_plural = _("push deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["message_ref", "device"], name="push_delivery_once_per_device"),
            models.CheckConstraint(condition=Q(status__in=["sent", "invalid", "failed", "temporary"]),
                                   name="push_delivery_status_valid"),
        ]

    def __str__(self):
        return f"{self.message_ref}, {self.get_platform_display()}: {self.get_status_display()}"
