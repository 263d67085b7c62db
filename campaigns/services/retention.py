"""How long the outbox keeps what it sent: marketing texts for CAMPAIGNS_MESSAGE_BODY_RETENTION_DAYS;
secrets (codes, reset links) only until the message is delivered, fails for good or expires."""
import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import OutboxMessage, OutboxStatus, Purpose

logger = logging.getLogger(__name__)
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass(frozen=True)
class OutboxPurge:
    bodies: int
    expired_secrets: int
    final_secrets: int


def outbox_purge(*, now: dt.datetime | None = None) -> OutboxPurge:
    """Wipe the texts and secrets the outbox no longer needs; three set-based UPDATEs.

    - marketing subjects and bodies sent (or given up) more than CAMPAIGNS_MESSAGE_BODY_RETENTION_DAYS ago;
    - the secret of a message still pending after its `expires_at` (the worker was down): the message
      is suppressed, since a code or link past its life is of no use;
    - any secret left on a row whose outcome is final (the worker wipes it as it records the outcome;
      this catches a recording that lost its claim).

    Idempotent (a second run changes nothing) and safe beside running workers: a row being sent keeps
    its secret until the worker records it.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.CAMPAIGNS_MESSAGE_BODY_RETENTION_DAYS)
    old = Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, created_at__lt=cutoff)
    bodies = (OutboxMessage.objects.filter(old, purpose=Purpose.MARKETING).exclude(status__in=IN_FLIGHT)
              .exclude(body="", subject="").update(body="", subject=""))
    expired = (OutboxMessage.objects.filter(status=OutboxStatus.PENDING, expires_at__lte=now)
               .exclude(encrypted_secret="")
               .update(status=OutboxStatus.SUPPRESSED, reason="window_expired: not sent before it expired",
                       encrypted_secret=""))
    final = OutboxMessage.objects.exclude(status__in=IN_FLIGHT).exclude(encrypted_secret="").update(encrypted_secret="")
    result = OutboxPurge(bodies=bodies, expired_secrets=expired, final_secrets=final)
    logger.info("outbox_purge_finished bodies=%s expired_secrets=%s final_secrets=%s", bodies, expired, final)
    return result
