"""Staff sign-in to the admin: the second factor (TOTP, django-otp) and what a staff session may do.

Guarantees:
- a user with a confirmed TOTP device signs in only with a current code from it (a code works once, and
  wrong codes are throttled by the device and counted as failed sign-ins by django-axes);
- a session of such a user that was not verified by a code does not reach the admin;
- with STAFF_REQUIRE_2FA, a superuser without a confirmed device reaches only the two-factor set-up page;
- a device is confirmed only by a valid code from it, so a half-done set-up locks nobody out.
"""
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, user_has_device

from .models import StaffTOTPDevice

ENROL, VERIFY = "enrol", "verify"


class StaffLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins made by a request (the admin's login form).

    `authenticate()` without a request (a management command, the test client's `login()`) has no client
    address to count and is left to the next backend, instead of failing as django-axes' own backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class StaffAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, logging the admin's sign-ins and sign-outs only: members signing in to
    the portal have their own limits (portal.services.login_limits) and are not written to the access log."""

    def user_logged_in(self, sender, request, user, **kwargs):
        if self.is_admin_request(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        if self.is_admin_request(request):
            super().user_logged_out(sender, request, user, **kwargs)


def staff_second_factor_missing(user) -> str | None:
    """What a signed-in staff user still owes: ENROL (must add a device), VERIFY (session not verified by a
    code although the user has a device), or None."""
    if not user.is_authenticated:
        return None
    if user_has_device(user, confirmed=True):
        is_verified = getattr(user, "is_verified", None)
        return None if is_verified is not None and is_verified() else VERIFY
    if getattr(settings, "STAFF_REQUIRE_2FA", False) and user.is_superuser:
        return ENROL
    return None


def staff_token_verify(*, user, token: str):
    """The user's confirmed device that accepts `token`, or None. Devices are locked while checking, so one
    code cannot be used twice in parallel."""
    token = (token or "").strip()
    if not token:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                return device
    return None


def staff_totp_device_start(*, user) -> StaffTOTPDevice:
    """A new unconfirmed TOTP device (fresh secret) for the user; earlier unconfirmed ones are dropped."""
    with transaction.atomic():
        StaffTOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return StaffTOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def staff_totp_device_pending(*, user) -> StaffTOTPDevice | None:
    return StaffTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def staff_totp_device_confirm(*, user, token: str) -> StaffTOTPDevice | None:
    """Confirm the user's pending device if `token` is a valid code from it; None otherwise."""
    with transaction.atomic():
        device = (StaffTOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
                  .order_by("-id").first())
        if device is None or not device.verify_token((token or "").strip()):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return device
