"""Portal sign-in (password or one-time code), sign-up, sign-out and password reset: Django sessions,
the same services as the app's API."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.client_ip import client_ip
from core.exceptions import DomainError

from .. import services
from . import forms
from .common import form_error, throttled

BACKEND = "django.contrib.auth.backends.ModelBackend"
CODE_FORM_IDS = "code-%s"  # the sign-in page holds both forms; ids must stay unique


def _too_many(request, template, context):
    form = context["form"]
    form.add_error(None, _("Too many attempts. Please wait a minute and try again."))
    return render(request, template, context, status=429)


def _page(request, template, context, refusal: DomainError | None = None):
    """Render a sign-in page; a refusal for too many attempts answers 429 with its Retry-After."""
    response = render(request, template, context, status=refusal.http_status if refusal else 200)
    if refusal is not None and getattr(refusal, "retry_after", None):
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _locked(exc: DomainError) -> DomainError | None:
    return exc if exc.http_status == 429 else None


def _signed_in(request, member):
    login(request, member.user, backend=BACKEND)
    # The web shop's anonymous id (a hidden field of the form, else its cookie on the shop's domain): what the
    # visitor did before signing in becomes the member's.
    anonymous_id = request.POST.get("anonymous_id") or request.COOKIES.get(settings.EVENTS_ANONYMOUS_ID_COOKIE, "")
    services.member_identified(member=member, anonymous_id=anonymous_id)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "portal:dashboard")


def sign_in(request):
    form = forms.SignInForm(request.POST or None)
    if request.method == "POST" and throttled(request, "member_sign_in"):
        return _too_many(request, "portal/sign_in.html", {"form": form, "code_form": forms.CodeRequestForm(
            auto_id=CODE_FORM_IDS)})
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_sign_in_password(**form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
            refusal = _locked(exc)
        else:
            return _signed_in(request, member)
    return _page(request, "portal/sign_in.html", {"form": form, "code_form": forms.CodeRequestForm(auto_id=CODE_FORM_IDS),
                                                  "next": request.GET.get("next", "")}, refusal)


def sign_in_code(request):
    """Step 1 (login) sends the code; step 2 (login + code) signs in."""
    if "code" in request.POST:
        form = forms.CodeVerifyForm(request.POST)
        if throttled(request, "member_sign_in"):
            return _too_many(request, "portal/sign_in_code.html", {"form": form, "login": request.POST.get("login", "")})
        refusal = None
        if form.is_valid():
            try:
                member = services.sign_in_code_verify(**form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
                refusal = _locked(exc)
            else:
                return _signed_in(request, member)
        return _page(request, "portal/sign_in_code.html", {"form": form, "login": request.POST.get("login", "")}, refusal)
    form = forms.CodeRequestForm(request.POST or None, auto_id=CODE_FORM_IDS)
    if request.method == "POST" and throttled(request, "member_code"):
        return _too_many(request, "portal/sign_in.html", {"form": forms.SignInForm(), "code_form": form})
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_in_code_request(**form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
            refusal = _locked(exc)
        else:
            verify = forms.CodeVerifyForm(initial={"login": form.cleaned_data["login"]})
            return render(request, "portal/sign_in_code.html", {"form": verify, "login": form.cleaned_data["login"]})
    return _page(request, "portal/sign_in.html", {"form": forms.SignInForm(), "code_form": form}, refusal)


def sign_up(request, referral_code=""):
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and throttled(request, "member_sign_in"):
        return _too_many(request, "portal/sign_up.html", {"form": form, "referral_code": referral_code})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_sign_up(**form.cleaned_data, source="web", referral_code=referral_code,
                                             evidence=client_ip(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            return _signed_in(request, member)
    return render(request, "portal/sign_up.html", {"form": form, "referral_code": referral_code})


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:sign_in")


def password_reset_request(request):
    form = forms.CodeRequestForm(request.POST or None)
    if request.method == "POST" and throttled(request, "member_code"):
        return _too_many(request, "portal/password_reset.html", {"form": form})
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(login=form.cleaned_data["login"])
        except DomainError as exc:
            form_error(form, exc)
            refusal = _locked(exc)
        else:
            messages.info(request, _("If the login is registered, we have sent a link to set a new password."))
            return redirect("portal:sign_in")
    return _page(request, "portal/password_reset.html", {"form": form}, refusal)


def password_reset_confirm(request):
    uid, token = request.GET.get("uid", ""), request.GET.get("token", "")
    form = forms.PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.password_reset_confirm(uid=uid, token=token, password=form.cleaned_data["password"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            return _signed_in(request, member)
    return render(request, "portal/password_reset_confirm.html", {"form": form})
