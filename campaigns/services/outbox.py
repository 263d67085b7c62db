"""The outbox: queue in the caller's transaction, send from a worker with a lease, retry with backoff."""
import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.exceptions import DomainError
from customers.models import Channel, Member

from ..channels import OutgoingMessage, PermanentSendError, channel_backend
from ..models import OutboxMessage, OutboxStatus, Purpose

logger = logging.getLogger(__name__)
CHANNELS = {*Channel.values, "webhook"}


def transactional_enqueue(
    *, member: Member | None, channel: str, subject: str, body: str, dedupe_key: str, to: str = ""
) -> OutboxMessage:
    """Queue a transactional message (sign-in code, password reset) in the caller's transaction.

    Not subject to marketing consent, caps or quiet hours. Idempotent by `dedupe_key`: a second call
    returns the first row and queues nothing. The worker is nudged once the caller commits.
    """
    if channel not in CHANNELS:
        raise DomainError("Unknown channel.", fields={"channel": [f"Expected one of {sorted(CHANNELS)}."]})
    if not (to or member):
        raise DomainError("A recipient is needed.", fields={"to": ["Give an address or a member."]})
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={"member": member, "channel": channel, "to": to, "subject": subject, "body": body,
                  "purpose": Purpose.TRANSACTIONAL, "due_at": timezone.now()},
    )
    if created:
        transaction.on_commit(outbox_kick)
    return message


def outbox_kick() -> None:
    """Ask a worker to send now rather than at the next beat tick; a broker outage only delays."""
    if not settings.CAMPAIGNS_OUTBOX_KICK:
        return
    from ..tasks import outbox_send_due_task

    try:
        outbox_send_due_task.apply_async(retry=False)
    except Exception:  # the beat tick sends it anyway
        logger.warning("outbox_kick_failed", exc_info=True)


def _due_filter(now):
    return Q(status=OutboxStatus.PENDING, due_at__lte=now) | Q(status=OutboxStatus.SENDING, lease_until__lt=now)


def outbox_claim(*, batch_size: int, worker_id: str, now: dt.datetime | None = None) -> list[OutboxMessage]:
    """Claim up to `batch_size` due rows for this worker with a lease, skipping rows others hold.

    A row stays claimed only until its lease ends: if the worker dies the row is due again then.
    """
    now = now or timezone.now()
    lease_until = now + dt.timedelta(seconds=settings.CAMPAIGNS_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(_due_filter(now)).order_by("due_at")
            .select_for_update(skip_locked=True).values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return []
        OutboxMessage.objects.filter(id__in=ids).update(
            status=OutboxStatus.SENDING, lease_until=lease_until, claimed_by=worker_id, attempts=F("attempts") + 1
        )
    return list(OutboxMessage.objects.filter(id__in=ids)
                .select_related("member__stats", "campaign_step", "entry").order_by("due_at", "id"))


@dataclass
class SendReport:
    counts: Counter = field(default_factory=Counter)
    batches: int = 0
    seconds: float = 0.0

    @property
    def handled(self) -> int:
        return sum(self.counts.values())


def outbox_send_due(*, batch_size: int | None = None, time_budget: float | None = None,
                    worker_id: str | None = None, now: dt.datetime | None = None) -> SendReport:
    """Send every due message, batch by batch, until none is due or the time budget is spent.

    Each row's outcome is written right after its send, so a crash can leave at most the message in
    flight unrecorded; it is claimed again when its lease ends and re-sent with the same
    idempotency key. Safe to run in several workers at once (claims skip locked rows). `now` fixes the
    clock the send rules read (tests, benchmarks); by default each batch reads the real time.
    """
    from .send_rules import plan_batch

    batch_size = batch_size or settings.CAMPAIGNS_OUTBOX_BATCH
    time_budget = settings.CAMPAIGNS_OUTBOX_TIME_BUDGET if time_budget is None else time_budget
    worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    started, report = time.monotonic(), SendReport()
    while time.monotonic() - started < time_budget:
        clock = now or timezone.now()
        batch = outbox_claim(batch_size=batch_size, worker_id=worker_id, now=clock)
        if not batch:
            break
        report.batches += 1
        backends = {}
        try:
            for message, decision in plan_batch(batch, now=clock):
                report.counts[_handle(message, decision, backends, clock)] += 1
        finally:
            for backend in backends.values():
                backend.close()
    report.seconds = time.monotonic() - started
    if report.handled:
        logger.info("outbox_send_finished handled=%s batches=%s seconds=%.2f %s", report.handled, report.batches,
                    report.seconds, " ".join(f"{k}={v}" for k, v in sorted(report.counts.items())))
    return report


def _handle(message: OutboxMessage, decision, backends, now) -> str:
    from .rendering import outgoing_for

    if decision.action == "suppress":
        return _finish(message, OutboxStatus.SUPPRESSED, reason=decision.reason)
    if decision.action == "defer":
        return _defer(message, decision.due_at, decision.reason)
    try:
        backend = backends.get(decision.channel) or backends.setdefault(decision.channel, channel_backend(decision.channel))
        outgoing: OutgoingMessage = outgoing_for(message, channel=decision.channel, to=decision.to)
        result = backend.send(outgoing)
    except PermanentSendError as error:
        return _finish(message, OutboxStatus.FAILED, reason=str(error)[:255])
    except Exception as error:  # a temporary failure: retry with backoff
        logger.warning("outbox_send_error id=%s attempt=%s error=%r", message.pk, message.attempts, error)
        return _retry(message, f"{type(error).__name__}: {error}"[:255], now)
    return _finish(message, OutboxStatus.DELIVERED, channel=decision.channel, to=outgoing.to, reason=decision.reason, now=now,
                   provider_id=result.provider_id[:255], subject=outgoing.subject, body=outgoing.body)


def _finish(message, status, *, reason="", channel="", to="", provider_id="", subject=None, body=None, now=None) -> str:
    now = now or timezone.now()
    values = {"status": status, "reason": reason, "lease_until": None}
    if status == OutboxStatus.DELIVERED:
        values.update(sent_channel=channel, sent_to=to, provider_id=provider_id, sent_at=now)
        if subject is not None and not message.body:
            values.update(subject=subject[:255], body=body)  # keep what was actually sent
    # Only the holder of the claim records an outcome: a row re-claimed after a lost lease is not overwritten.
    OutboxMessage.objects.filter(pk=message.pk, claimed_by=message.claimed_by, attempts=message.attempts).update(**values)
    if status == OutboxStatus.DELIVERED:
        _after_delivery(message, channel, now)
    return reason.split(":")[0] if status == OutboxStatus.SUPPRESSED and reason else status


def _after_delivery(message, channel, now):
    if message.member_id and message.purpose == Purpose.MARKETING:
        from customers.models import EngagementEvent

        EngagementEvent.objects.create(member_id=message.member_id, channel=channel, kind=EngagementEvent.Kind.SENT,
                                       occurred_at=now, message_ref=message.idempotency_key)


def _defer(message, due_at, reason) -> str:
    OutboxMessage.objects.filter(pk=message.pk, claimed_by=message.claimed_by, attempts=message.attempts).update(
        status=OutboxStatus.PENDING, due_at=due_at, reason=reason, lease_until=None, attempts=F("attempts") - 1)
    return "deferred"


def _retry(message, reason, now) -> str:
    if message.attempts >= settings.CAMPAIGNS_OUTBOX_MAX_ATTEMPTS:
        return _finish(message, OutboxStatus.FAILED, reason=f"gave up after {message.attempts} attempts: {reason}")
    delay = min(settings.CAMPAIGNS_OUTBOX_BACKOFF_SECONDS * 2 ** (message.attempts - 1), 6 * 3600)
    due_at = now + dt.timedelta(seconds=delay)
    if message.expires_at and due_at > message.expires_at:
        return _finish(message, OutboxStatus.SUPPRESSED, reason=f"window_expired: retry would be late ({reason})")
    OutboxMessage.objects.filter(pk=message.pk, claimed_by=message.claimed_by, attempts=message.attempts).update(
        status=OutboxStatus.PENDING, due_at=due_at, reason=reason, lease_until=None)
    return "retried"
