"""Providers' delivery reports (SMS gateway callbacks) tied to the outbox message they are about."""
import hashlib
import logging

from django.db import transaction

from customers.models import EngagementEvent

from ..models import OutboxMessage

logger = logging.getLogger(__name__)


def delivery_report_record(*, status) -> bool:
    """Record one report (messaging.sms.DeliveryStatus) as a `delivered` or `bounce` EngagementEvent of the
    message's member with the message's key, and a bounce's reason on the message.

    The message is found by the key the provider echoed back, else by the provider's id. Idempotent: a
    repeated report (providers repeat until acknowledged) adds nothing. Returns False when no sent message
    matches yet (its outcome is not recorded yet), so the provider is asked to report again.
    """
    message = None
    if status.message_ref.startswith("outbox-") and status.message_ref[7:].isdigit():
        message = OutboxMessage.objects.filter(pk=int(status.message_ref[7:])).only("id", "member_id", "sent_channel").first()
    if message is None and status.provider_id:
        message = (OutboxMessage.objects.filter(provider_id=status.provider_id, sent_channel="sms")
                   .only("id", "member_id", "sent_channel").first())
    if message is None or not message.sent_channel:
        return False
    if message.member_id is None:
        return True  # a message to a bare address: nobody's engagement
    key = hashlib.sha256(f"report:{status.provider}:{status.provider_id}:{status.kind}".encode()).hexdigest()
    with transaction.atomic():
        _event, created = EngagementEvent.objects.get_or_create(import_key=key, defaults={
            "member_id": message.member_id, "channel": message.sent_channel, "kind": status.kind,
            "occurred_at": status.occurred_at, "message_ref": message.idempotency_key})
        if created and status.kind == EngagementEvent.Kind.BOUNCE:
            OutboxMessage.objects.filter(pk=message.pk).update(reason=f"not delivered: {status.reason}"[:255])
    if created:
        logger.info("delivery_report_recorded provider=%s message=%s kind=%s", status.provider, message.pk, status.kind)
    return True
