"""Profile and preferences (details, zero-party survey, consents, unsubscribe) and the referral page."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.client_ip import client_ip
from core.exceptions import DomainError
from customers.models import ConsentRecord

from .. import selectors, services
from . import forms
from .common import form_error, member_required

CHANNELS = ("email", "sms", "push")


def _survey_initial(member, definitions):
    initial = {}
    for definition in definitions:
        value = member.attributes.get(definition.key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        initial[definition.key] = value
    return initial


@member_required
def profile(request, member):
    definitions = list(selectors.member_editable_attributes())
    SurveyForm = forms.survey_form_class(definitions)
    which = request.POST.get("form") if request.method == "POST" else None
    profile_form = forms.ProfileForm(request.POST if which == "profile" else None, initial={
        f: getattr(member, f) for f in forms.ProfileForm.base_fields})
    survey_form = SurveyForm(request.POST if which == "survey" else None,
                             initial=_survey_initial(member, definitions), prefix="survey")
    consents_form = forms.ConsentsForm(request.POST if which == "consents" else None,
                                       initial={c: member.has_consent(c) for c in CHANNELS})
    bound = {"profile": profile_form, "survey": survey_form, "consents": consents_form}.get(which)
    if bound is not None and bound.is_valid():
        try:
            if which == "profile":
                services.member_profile_update(member=member, profile=bound.cleaned_data, source="web")
            elif which == "survey":
                services.member_profile_update(member=member, attributes=bound.cleaned_data, source="web")
            else:
                services.member_consents_update(member=member, consents=bound.cleaned_data, source="web",
                                                evidence=client_ip(request))
        except DomainError as exc:
            form_error(bound, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:profile")
    channels = [(channel, member.has_consent(channel)) for channel in CHANNELS]
    return render(request, "portal/profile.html", {
        "member": member, "profile_form": profile_form, "survey_form": survey_form, "consents_form": consents_form,
        "consent_history": selectors.member_consent_history(member=member, limit=10),
        "channels": channels, "subscribed": any(on for _channel, on in channels),
    })


@member_required
@require_POST
def unsubscribe(request, member, channel):
    if channel not in CHANNELS:
        raise Http404
    services.member_consents_update(member=member, consents={channel: False}, source="web",
                                    method=ConsentRecord.Method.UNSUBSCRIBE_LINK,
                                    evidence=client_ip(request))
    messages.success(request, _("You will no longer receive offers through this channel."))
    return redirect("portal:profile")


@member_required
def referral(request, member):
    summary = selectors.member_referral_summary(member=member)
    return render(request, "portal/referral.html", {"member": member, "referral": summary})
