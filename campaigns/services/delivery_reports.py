"""Providers' delivery reports (SMS gateway callbacks, ESP tracking webhooks) tied to the outbox message they
are about."""
import hashlib
import logging

from django.db import transaction

from customers.models import ConsentRecord, EngagementEvent, Member
from customers.services import consent_set

from ..models import OutboxMessage

logger = logging.getLogger(__name__)

# What a member's own report withdraws: their email consent, with the provider's report as proof.
CONSENT_WITHDRAWN_BY = {
    EngagementEvent.Kind.COMPLAINT: ConsentRecord.Method.COMPLAINT,
    EngagementEvent.Kind.UNSUBSCRIBE: ConsentRecord.Method.UNSUBSCRIBE_LINK,
}


def _message_for(status):
    """The outbox message a report is about (by the key the provider echoed, else by its id), and whether it
    was found by our key."""
    fields = ("id", "member_id", "sent_channel")
    ref = status.message_ref
    if ref.startswith("outbox-") and ref[7:].isdigit():
        message = OutboxMessage.objects.filter(pk=int(ref[7:])).only(*fields).first()
        if message is not None:
            return message, True
    if status.provider_id:
        return (OutboxMessage.objects.filter(provider_id=status.provider_id, sent_channel=status.channel)
                .only(*fields).first()), False
    return None, False


def delivery_report_record(*, status) -> bool:
    """Record one report (messaging.sms.DeliveryStatus) as an EngagementEvent of the message's member with the
    message's key (delivered, bounce; for email also open, click, complaint, unsubscribe), and a bounce's reason
    on the message. A complaint or an unsubscribe reported by the provider withdraws the member's email consent
    with proof (method complaint / unsubscribe link, the provider and message as evidence).

    Idempotent: a repeated report (providers repeat until acknowledged) adds nothing and withdraws nothing
    again. Returns False when no sent message matches yet (its outcome is not recorded yet), so the provider is
    asked to report again; an email event found by our key (the ESP echoes the metadata we sent) counts even
    before the worker recorded the send.
    """
    message, by_ref = _message_for(status)
    if message is None:
        return False
    channel = message.sent_channel or (status.channel if by_ref and status.channel == "email" else "")
    if not channel:
        return False
    if message.member_id is None:
        return True  # a message to a bare address: nobody's engagement
    unique = status.event_key or status.provider_id
    key = hashlib.sha256(f"report:{status.provider}:{unique}:{status.kind}".encode()).hexdigest()
    with transaction.atomic():
        _event, created = EngagementEvent.objects.get_or_create(import_key=key, defaults={
            "member_id": message.member_id, "channel": channel, "kind": status.kind,
            "occurred_at": status.occurred_at, "message_ref": message.idempotency_key, "url": status.url})
        if created and status.kind == EngagementEvent.Kind.BOUNCE:
            OutboxMessage.objects.filter(pk=message.pk).update(reason=f"not delivered: {status.reason}"[:255])
        if created and channel == "email" and status.kind in CONSENT_WITHDRAWN_BY:
            member = Member.objects.get(pk=message.member_id)
            if member.email_consent:
                consent_set(member=member, purpose="email", granted=False, method=CONSENT_WITHDRAWN_BY[status.kind],
                            source=status.provider[:64], at=status.occurred_at,
                            evidence=f"{status.provider} {status.kind} report on {message.idempotency_key} "
                                     f"({status.provider_id}) at {status.occurred_at.isoformat()}")
    if created:
        logger.info("delivery_report_recorded provider=%s message=%s kind=%s", status.provider, message.pk, status.kind)
    return True
