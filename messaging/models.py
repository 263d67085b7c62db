"""Where members' messages can reach them besides email and SMS: their app's push devices.

The table was portal's (`portal_device`); it moved here, below campaigns, because the push back ends need it.
"""
from django.db import models
from django.db.models import Q
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
        return f"{self.member_id} {self.platform}"
