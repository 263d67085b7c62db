"""The admin site staff use: password plus a TOTP code for users who have a device, lockout after repeated
failures (django-axes, counted per username and per `core.client_ip` address), and a page where staff add
an authenticator app by QR code. The rules themselves are in `core.staff_auth`."""
import io
from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.qr import write_qrcode_image

from . import staff_auth


class StaffLoginForm(AdminAuthenticationForm):
    """Username and password, then the authenticator code when the user has a confirmed device."""

    otp_token = forms.CharField(
        required=False, max_length=8, label=gettext_lazy("Code from the authenticator app"),
        help_text=gettext_lazy("Only if two-factor sign-in is set up for you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()  # authenticate(): django-axes counts and refuses here
        user = self.get_user()
        if user is None or not user_has_device(user, confirmed=True):
            return cleaned
        token = cleaned.get("otp_token", "")
        if not token:
            raise forms.ValidationError(_("Enter the code from your authenticator app."), code="token_required")
        device = staff_auth.staff_token_verify(user=user, token=token)
        if device is None:
            # A wrong code is a failed sign-in for django-axes too: guessing codes ends in the same lockout.
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()},
                                   request=self.request)
            raise forms.ValidationError(_("The code from the authenticator app is wrong or already used."),
                                        code="invalid_token")
        user.otp_device = device  # django-otp stores it in the session when login() runs
        return cleaned


class StaffAdminSite(admin.AdminSite):
    login_form = StaffLoginForm
    empty_value_display = "—"  # as the custom pages (Member 360, journeys, dashboards) write an empty value
    login_template = "admin/staff_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and staff_auth.staff_second_factor_missing(request.user) is None

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            # A superuser who must add a device sees only the set-up page (and may sign out).
            if (request.user.is_active and request.user.is_staff
                    and staff_auth.staff_second_factor_missing(request.user) == staff_auth.ENROL
                    and request.path != reverse("admin:logout", current_app=self.name)):
                return HttpResponseRedirect(reverse("admin:two_factor", current_app=self.name))
            return inner(request, *args, **kwargs)

        return guarded

    def get_urls(self):
        return [path("two-factor/", self._staff_only(self.two_factor_view), name="two_factor"), *super().get_urls()]

    def _staff_only(self, view):
        """Signed-in active staff whose session owes no code (admin_view would send an enrolling superuser
        back here in a loop)."""

        @wraps(view)
        def inner(request, *args, **kwargs):
            user = request.user
            if not (user.is_active and user.is_staff) or staff_auth.staff_second_factor_missing(user) == staff_auth.VERIFY:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=self.name))
            return view(request, *args, **kwargs)

        return csrf_protect(inner)

    def two_factor_view(self, request):
        """Add an authenticator app: a fresh secret as a QR code, confirmed by one code from the app."""
        user = request.user
        if request.method == "POST" and request.POST.get("action") == "start":
            staff_auth.staff_totp_device_start(user=user)
            return HttpResponseRedirect(request.path)
        if request.method == "POST" and request.POST.get("action") == "confirm":
            device = staff_auth.staff_totp_device_confirm(user=user, token=request.POST.get("otp_token", ""))
            if device is not None:
                otp_login(request, device)  # this session is verified by the code just typed
                messages.success(request, _("Two-factor sign-in is on. From now on the admin asks for a code."))
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            messages.error(request, _("The code is wrong. Check the time on your phone and try the current code."))
        pending = staff_auth.staff_totp_device_pending(user=user)
        qr_svg = ""
        if pending is not None:
            out = io.BytesIO()
            write_qrcode_image(pending.config_url, out)
            qr_svg = mark_safe(out.getvalue().decode())  # SVG made by qrcode from our own URL
        context = {
            **self.each_context(request), "title": _("Two-factor sign-in"),
            "has_device": user_has_device(user, confirmed=True), "pending": pending, "qr_svg": qr_svg,
            "secret": _base32(pending) if pending else "",
            "must_enrol": staff_auth.staff_second_factor_missing(user) == staff_auth.ENROL,
        }
        return render(request, "admin/two_factor.html", context)


def _base32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def staff_lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: the admin login page with a clear message, 429."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    message = (_("Too many failed sign-ins for this username or from this address. Sign-in is locked for "
                 "%(minutes)s min.") % {"minutes": minutes} if minutes else
               _("Too many failed sign-ins for this username or from this address. Ask an administrator to unlock it."))
    context = {**admin.site.each_context(request), "title": _("Sign-in locked"), "message": message}
    response = render(request, "admin/staff_locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
