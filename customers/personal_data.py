"""Members' personal data (152-FZ / GDPR): everything held about a member, exported as JSON, and the erasure.

The export and the erasure each cover customers' own tables here; the apps above (loyalty, lifecycle, segments,
campaigns, portal), which customers must not import, add theirs through `customers.signals.member_data_exported`
and `customers.signals.member_erasing`, connected in their AppConfig.ready.
"""
import json
import re
import secrets

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.models import IdempotencyKey

from .models import ConsentPurpose, ConsentRecord, Member, MemberErasure
from .signals import member_data_exported, member_erasing

EXPORT_FORMAT = 1
ERASED_TEXT = "[erased]"
PROFILE_FIELDS = [
    "external_id", "card_number", "first_name", "last_name", "gender", "birth_date", "region", "city", "timezone",
    "registered_at", "registration_channel", "referral_code", "preferred_channel", "created_at", "updated_at",
]


def export_rows(queryset, *fields) -> list[dict]:
    """The rows as plain dicts of the named fields: what the export's receivers return per section."""
    return list(queryset.values(*fields))


def member_data_export(*, member: Member) -> dict:
    """Everything held about the member, as a JSON-ready dict: customers' sections and every higher app's.

    Secrets (token and code hashes, push tokens, sign-in codes and reset links) are not part of it.
    """
    export = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "profile": {field: getattr(member, field) for field in PROFILE_FIELDS},
        "contacts": {"email": member.email, "phone": member.phone},
        "attributes": member.attributes,
        "consents": {purpose: member.has_consent(purpose) for purpose in ConsentPurpose.values},
        "consent_records": export_rows(member.consent_records.order_by("occurred_at", "id"),
                                       "purpose", "granted", "occurred_at", "method", "source", "evidence"),
        "engagement_events": export_rows(member.engagement_events.order_by("occurred_at", "id"),
                                         "channel", "kind", "occurred_at", "message_ref", "campaign", "url"),
    }
    for _receiver, sections in member_data_exported.send(sender=Member, member=member):
        export.update(sections or {})
    # One round trip through JSON: dates and decimals become strings, whatever a receiver returned.
    return json.loads(json.dumps(export, cls=DjangoJSONEncoder))


def scrub(text: str, identifiers: list[str]) -> str:
    """The text with every identifier (case-insensitive) replaced by [erased]."""
    for identifier in identifiers:
        text = re.sub(re.escape(identifier), ERASED_TEXT, text, flags=re.IGNORECASE)
    return text


def member_identifiers(member: Member) -> list[str]:
    values = [member.email, member.phone, member.card_number, member.first_name, member.last_name, member.external_id]
    if member.user_id:
        values += [member.user.username, member.user.email, member.user.first_name, member.user.last_name]
    # Longest first, so "Anna Petrova" goes before "Anna"; a one-letter name would scrub every word, so skip it.
    return sorted({v for v in values if v and len(v) > 1}, key=len, reverse=True)


@transaction.atomic
def member_erase(*, member: Member, erased_by=None) -> MemberErasure:
    """Anonymise the member for good: contacts, profile, attributes, sign-in account, tokens, devices, message
    bodies, engagement URLs and any free text naming them are removed, in every app (through `member_erasing`).

    The ledger, orders, coupons and consent proof stay, under a pseudonymous id (the member's new external id),
    so balances and the books still add up. Recorded in a MemberErasure row (who, when, pseudonym). Locks the
    member's row; a second erasure of the same member raises DomainError (code already_erased).
    """
    member = Member.objects.select_for_update(of=("self",)).select_related("user").get(pk=member.pk)
    if MemberErasure.objects.filter(member=member).exists():
        raise DomainError("This member has already been erased.", code="already_erased")
    now, pseudonym = timezone.now(), f"erased-{secrets.token_hex(8)}"
    identifiers = member_identifiers(member)
    member_erasing.send(sender=Member, member=member, identifiers=identifiers, pseudonym=pseudonym)

    # Consent proof stays; what it says about the person goes. The erasure itself withdraws every consent.
    for record in member.consent_records.all():
        source, evidence = scrub(record.source, identifiers), scrub(record.evidence, identifiers)
        if (source, evidence) != (record.source, record.evidence):
            ConsentRecord.objects.filter(pk=record.pk).update(source=source, evidence=evidence)
    ConsentRecord.objects.bulk_create([
        ConsentRecord(member=member, purpose=purpose, granted=False, occurred_at=now,
                      method=ConsentRecord.Method.STAFF, source="erasure", evidence=pseudonym)
        for purpose in ConsentPurpose.values if member.has_consent(purpose)
    ])
    member.engagement_events.exclude(url="").update(url="")
    content_type = ContentType.objects.get_for_model(Member)
    LogEntry.objects.filter(content_type=content_type, object_id=str(member.pk)).update(
        object_repr=pseudonym, change_message="")
    if member.user_id:
        IdempotencyKey.objects.filter(owner=f"user:{member.user_id}").delete()
        member.user.delete()  # the sign-in account: login, password, names, its sessions' tokens

    Member.objects.filter(pk=member.pk).update(
        external_id=pseudonym, user=None, email="", phone="", card_number="", first_name="", last_name="",
        gender="", birth_date=None, region="", city="", referral_code=pseudonym[-16:].upper(),
        personal_data_consent=False, email_consent=False, sms_consent=False, push_consent=False,
        preferred_channel="", attributes={}, updated_at=now,
    )
    return MemberErasure.objects.create(member=member, pseudonym=pseudonym, erased_by=erased_by, erased_at=now)
