"""A member changing their own profile, consents, survey answers and push devices.

Only member-editable fields reach here: balance, tier, stage and consent timestamps are not arguments.
"""
import zoneinfo

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from customers.models import Channel, ConsentPurpose, ConsentRecord, Gender, Member
from customers.phones import PhoneInvalid, phone_normalise
from customers.services import attributes_clean, consent_set
from messaging.devices import device_register  # noqa: F401  (the app registers its devices through the portal)

PROFILE_FIELDS = ("first_name", "last_name", "phone", "gender", "birth_date", "city", "timezone", "preferred_channel")


def _profile_clean(values: dict, member: Member) -> dict:
    errors = {}
    if "phone" in values:
        try:
            values["phone"] = phone_normalise(values["phone"])
        except PhoneInvalid as exc:
            errors["phone"] = [str(exc)]
        else:
            # The phone is a sign-in login: two members with one phone could not tell whose account a code opens.
            if values["phone"] and Member.objects.filter(phone=values["phone"]).exclude(pk=member.pk).exists():
                errors["phone"] = [_("Another member has this phone number.")]
            elif not values["phone"] and member.phone and not member.email:
                errors["phone"] = [_("You sign in with this phone: it cannot be removed.")]
    if "timezone" in values and values["timezone"] not in zoneinfo.available_timezones():
        errors["timezone"] = [_("Unknown time zone.")]
    if values.get("gender") not in (None, *Gender.values):
        errors["gender"] = [_("Not a valid choice.")]
    if values.get("preferred_channel") not in (None, "", *Channel.values):
        errors["preferred_channel"] = [_("Not a valid choice.")]
    if errors:
        raise DomainError(_("Invalid profile."), fields=errors)
    return values


@transaction.atomic
def member_profile_update(*, member: Member, profile: dict | None = None, attributes: dict | None = None,
                          consents: dict | None = None, source: str = "app", evidence: str = "") -> Member:
    """Apply profile fields, zero-party attributes and consents together: all of them or, on any error, none.

    Attributes are validated against member-editable definitions (unknown keys are errors); each consent
    change is recorded with its proof through customers.services.consent_set. A phone is stored in E.164
    (customers.phones); one that is not a valid number, or that another member has, is refused.
    """
    profile = {k: v for k, v in (profile or {}).items() if k in PROFILE_FIELDS}
    _profile_clean(profile, member)
    cleaned_attributes = attributes_clean(attributes, member_editable_only=True) if attributes else {}
    member = Member.objects.select_for_update().get(pk=member.pk)
    for key, value in profile.items():
        setattr(member, key, value)
    for key, value in cleaned_attributes.items():
        if value is None:
            member.attributes.pop(key, None)
        else:
            member.attributes[key] = value
    member.save(update_fields=[*profile, "attributes", "updated_at"])
    if consents:
        member_consents_update(member=member, consents=consents, source=source, evidence=evidence)
    return member


def member_consents_update(*, member: Member, consents: dict, source: str, evidence: str = "",
                           method: str = ConsentRecord.Method.CHECKBOX) -> list[ConsentRecord]:
    """Record each consent that changes (grant or withdrawal); unchanged ones write nothing."""
    unknown = [key for key in consents if key not in ConsentPurpose.values]
    if unknown:
        raise DomainError(_("Unknown consent."), fields={"consents": {key: [_("Unknown consent.")] for key in unknown}})
    records = []
    with transaction.atomic():
        for purpose, granted in consents.items():
            if bool(granted) != member.has_consent(purpose):
                records.append(consent_set(member=member, purpose=purpose, granted=bool(granted), method=method,
                                           source=source, evidence=evidence))
    return records


def survey_submit(*, member: Member, answers: dict, source: str = "app") -> Member:
    """Store zero-party survey answers (member-editable attributes only); unknown keys refuse the whole survey."""
    if not answers:
        raise DomainError(_("Answer at least one question."), fields={"answers": [_("Empty.")]})
    return member_profile_update(member=member, attributes=answers, source=source)
