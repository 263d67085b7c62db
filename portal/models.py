"""Members' credentials for the app and portal: app tokens and one-time sign-in codes (push devices are messaging's).

Secrets are never stored: tokens keep only their SHA-256, and codes an HMAC keyed by the server's SECRET_KEY
(with their row's salt), so a database leak does not let anyone sign in, not even by trying every code.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberToken(models.Model):
    """An app session: revocable, expiring. The raw token is returned once at sign-in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="member_tokens"
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    client = models.CharField(_("client"), max_length=100, blank=True, help_text=_("What signed in: app, device name."))

    class Meta:
        verbose_name = _("app session")
        verbose_name_plural = _("app sessions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="member_token_user_active")]

    def __str__(self):
        return f"{self.user_id} {self.prefix}…"


class SignInCode(models.Model):
    """A one-time code sent by email or SMS. Valid until `expires_at`, for a few attempts, once."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")

    member = models.ForeignKey(
        "customers.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="sign_in_codes"
    )
    channel = models.CharField(_("channel"), max_length=8)
    code_hash = models.CharField(_("code hash"), max_length=64)
    salt = models.CharField(_("salt"), max_length=32)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["member", "-created_at"], name="sign_in_code_member_recent")]

    def __str__(self):
        return f"{self.member_id} {self.channel} {self.created_at:%Y-%m-%d %H:%M}"
