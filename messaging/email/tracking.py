"""ESP tracking webhooks: Anymail checks each provider's signature (or basic auth) and parses its payload
into AnymailTrackingEvents; this turns them into delivery reports for the outbox's owner.

A hard bounce suppresses the address here (the provider side knows it is the address that failed); tying
the event to its message, the member's EngagementEvent, and consent withdrawn after a complaint are the
outbox owner's (campaigns' receiver of `delivery_reported`).
"""
import hashlib
import logging

from anymail.signals import EventType, RejectReason
from django.utils import timezone

from customers.models import Member

from ..signals import delivery_reported
from ..sms.base import DeliveryStatus
from .suppression import address_normalize, email_suppression_add

logger = logging.getLogger(__name__)

KINDS = {
    EventType.DELIVERED: "delivered",
    EventType.OPENED: "open",
    EventType.CLICKED: "click",
    EventType.BOUNCED: "bounce",
    EventType.REJECTED: "bounce",  # the ESP refused to send it (e.g. its own suppression list): not delivered
    EventType.COMPLAINED: "complaint",
    EventType.UNSUBSCRIBED: "unsubscribe",
}
# Reasons that say the address itself is bad; a bounce for spam content or a full queue is not.
ADDRESS_FAILURES = {RejectReason.BOUNCED, RejectReason.INVALID}
# The metadata key our sends carry (campaigns.channels.email), echoed back by every ESP's webhook.
OUTBOX_METADATA = "outbox"


class DeliveryNotPlaced(Exception):
    """No outbox message matches the event yet (its send is not recorded): the ESP should post it again."""


def is_hard_bounce(event) -> bool:
    return event.event_type in (EventType.BOUNCED, EventType.REJECTED) and event.reject_reason in ADDRESS_FAILURES


def delivery_status_from(event, *, esp_name: str) -> DeliveryStatus | None:
    """The delivery report an Anymail tracking event stands for; None for events we do not record
    (queued, sent, deferred, unknown)."""
    kind = KINDS.get(event.event_type)
    if kind is None:
        return None
    provider = esp_name.lower().replace(" ", "_")
    occurred_at = event.timestamp or timezone.now()
    # Mailgun gives an event id; Unisender Go none, so its event is known by what it says (a repeat says the same)
    key_source = event.event_id or f"{event.message_id}:{event.event_type}:{occurred_at.isoformat()}:{event.click_url or ''}"
    reason = " ".join(str(part) for part in (event.reject_reason, event.description, event.mta_response) if part)
    return DeliveryStatus(
        provider=provider, provider_id=event.message_id or "", kind=kind, occurred_at=occurred_at, reason=reason[:255],
        message_ref=str((event.metadata or {}).get(OUTBOX_METADATA, "")), channel="email",
        event_key=hashlib.sha256(key_source.encode()).hexdigest()[:32], url=(event.click_url or "")[:2048],
        address=address_normalize(event.recipient or ""))


def tracking_event_receive(*, event, esp_name: str) -> None:
    """Handle one Anymail tracking event: suppress a hard-bounced address, then hand the report to the outbox's
    owner. Idempotent (a re-posted webhook suppresses and records nothing new). Raises DeliveryNotPlaced when
    no message matches yet, so the webhook answers "try again"."""
    status = delivery_status_from(event, esp_name=esp_name)
    if status is None:
        return
    if is_hard_bounce(event) and status.address:
        # as given and lower-cased (as customers.selectors looks addresses up): the email index serves both
        member_id = (Member.objects.filter(email__in={event.recipient.strip(), status.address})
                     .values_list("pk", flat=True).first())
        email_suppression_add(address=status.address, detail=status.reason or "hard bounce", source=esp_name,
                              member_id=member_id, message_ref=status.message_ref, at=status.occurred_at)
    answers = delivery_reported.send(sender=DeliveryStatus, status=status)
    if not any(answer is True for _receiver, answer in answers):
        raise DeliveryNotPlaced(f"{esp_name} {status.kind} for {status.message_ref or status.provider_id}")
