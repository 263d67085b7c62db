"""Suppressed email addresses: written when a provider reports a hard bounce, read by the send path once
per batch, lifted when the member enters the address again (or staff lift it)."""
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import EmailSuppression

logger = logging.getLogger(__name__)


def address_normalize(address: str) -> str:
    return (address or "").strip().lower()


def email_suppression_add(*, address: str, reason: str = EmailSuppression.Reason.HARD_BOUNCE, detail: str = "",
                          source: str = "", member_id: int | None = None, message_ref: str = "",
                          at=None) -> tuple[EmailSuppression | None, bool]:
    """Suppress `address` (no email goes to it until lifted); returns (row, created).

    Idempotent: an address already suppressed keeps its first row (a re-posted bounce adds nothing).
    An empty address suppresses nothing and returns (None, False).
    """
    address = address_normalize(address)
    if not address:
        return None, False
    active = EmailSuppression.objects.filter(address=address, lifted_at__isnull=True).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():  # a concurrent bounce for the same address may win the unique index
            row = EmailSuppression.objects.create(
                address=address, reason=reason, detail=detail[:255], source=source[:64], member_id=member_id,
                message_ref=message_ref[:64], created_at=at or timezone.now())
    except IntegrityError:
        return EmailSuppression.objects.get(address=address, lifted_at__isnull=True), False
    logger.info("email_suppressed reason=%s source=%s member=%s", reason, source, member_id)
    return row, True


def email_suppression_lift(*, address: str, why: str) -> int:
    """Lift the active suppression of `address` (the member gave it again, or staff decided); returns rows lifted."""
    address = address_normalize(address)
    if not address:
        return 0
    return EmailSuppression.objects.filter(address=address, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lift_reason=why[:255])


def email_suppressions_for(addresses) -> dict[str, EmailSuppression]:
    """Active suppressions among `addresses`, by normalised address, in one query."""
    wanted = {address_normalize(a) for a in addresses if a}
    if not wanted:
        return {}
    return {row.address: row for row in EmailSuppression.objects.filter(address__in=wanted, lifted_at__isnull=True)
            .only("address", "reason", "detail", "created_at")}
