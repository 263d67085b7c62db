"""The outbox: queue in the caller's transaction, send from a worker with a lease, retry with backoff."""
import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from collections import Counter, defaultdict
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.encryption import field_encrypt
from core.exceptions import DomainError
from customers.models import Channel, Member

from ..channels import OutgoingMessage, PermanentSendError, channel_backend
from ..models import SECRET_PLACEHOLDER, OutboxMessage, OutboxStatus, Purpose
from .send_lanes import SendLanes, relaxed_commits, send_lane_count

logger = logging.getLogger(__name__)
CHANNELS = {*Channel.values, "webhook"}


def transactional_enqueue(
    *, member: Member | None, channel: str, subject: str, body: str, dedupe_key: str, to: str = "",
    secret: str = "", expires_at: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue a transactional message (sign-in code, password reset) in the caller's transaction.

    Not subject to marketing consent, caps or quiet hours. Idempotent by `dedupe_key`: a second call
    returns the first row and queues nothing. The worker is nudged once the caller commits.

    A `secret` (a code, a link with a token) is never stored in clear: `body` carries SECRET_PLACEHOLDER
    where it goes, the row keeps it encrypted, the worker puts it in only what it sends, and it is wiped
    once the message is delivered, fails for good or passes `expires_at` (a day when not given).
    Raises ValueError if the body has no placeholder for it or holds the secret itself.
    """
    if channel not in CHANNELS:
        raise DomainError("Unknown channel.", fields={"channel": [f"Expected one of {sorted(CHANNELS)}."]})
    if not (to or member):
        raise DomainError("A recipient is needed.", fields={"to": ["Give an address or a member."]})
    encrypted = ""
    if secret:
        if SECRET_PLACEHOLDER not in body or secret in body or secret in subject:
            raise ValueError("a secret goes in the body as SECRET_PLACEHOLDER, never in clear")
        encrypted = field_encrypt(secret)
        expires_at = expires_at or timezone.now() + dt.timedelta(days=1)
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={"member": member, "channel": channel, "to": to, "subject": subject, "body": body,
                  "encrypted_secret": encrypted, "expires_at": expires_at,
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
                .select_related("member__stats", "campaign_step", "entry", "webhook_subscription").order_by("due_at", "id"))


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

    Each batch is claimed and planned (send rules, caps) once, here; its messages are then sent by
    CAMPAIGNS_OUTBOX_SEND_THREADS lanes at once (send_lanes: threads with their own back ends and database
    connections; one lane on SQLite or inside a transaction), each lane taking every n-th message.
    A back end that records each send (email by SMTP or an ESP, SMS, push: whatever would reach the person again)
    has each outcome written before its lane's next send, in one transaction with what the back end learnt (push:
    each device's answer), so a worker crash re-sends at most the messages in flight: one per lane. Other back
    ends' outcomes are written every CAMPAIGNS_OUTBOX_RECORD_EVERY sends of a lane (one UPDATE). Unrecorded rows are
    claimed again when their lease ends and re-sent with the same idempotency keys. Failures and retries are
    written at once. Decisions that send nothing (defer, suppress) are written once per lane and batch: lost in a
    crash, they are simply decided again. A lane that raises stops the others after their send in flight, and
    the error is raised here. Safe to run in several workers at once (claims skip locked rows). `now` fixes the
    clock the send rules read (tests, benchmarks); by default each batch reads the real time. Due actions of
    the due messages' entries run first (actions.planned_actions_awaited_run).

    On PostgreSQL the sessions commit without waiting for the WAL flush (synchronous_commit off): a
    database crash may forget the last fraction of a second of outcomes, and those messages are re-sent
    with their idempotency keys; a worker crash loses nothing.
    """
    from .actions import planned_actions_awaited_run
    from .send_rules import plan_batch

    batch_size = batch_size or settings.CAMPAIGNS_OUTBOX_BATCH
    time_budget = settings.CAMPAIGNS_OUTBOX_TIME_BUDGET if time_budget is None else time_budget
    worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    started, report = time.monotonic(), SendReport()
    # a coupon or review link a due message names is made first (with durable commits: it must not be lost
    # while the message that shows its code was sent)
    planned_actions_awaited_run(now=now or timezone.now())
    with relaxed_commits(), SendLanes(send_lane_count()) as lanes:
        while time.monotonic() - started < time_budget:
            clock = now or timezone.now()
            batch = outbox_claim(batch_size=batch_size, worker_id=worker_id, now=clock)
            if not batch:
                break
            report.batches += 1
            _prefetch_accounts(batch)
            decisions = list(plan_batch(batch, now=clock))
            report.counts += lanes.run(decisions, partial(_send_share, worker_id=worker_id, now=clock))
    report.seconds = time.monotonic() - started
    if report.handled:
        logger.info("outbox_send_finished handled=%s batches=%s seconds=%.2f %s", report.handled, report.batches,
                    report.seconds, " ".join(f"{k}={v}" for k, v in sorted(report.counts.items())))
    return report


def _send_share(decisions, stop, *, worker_id, now) -> Counter:
    """One lane's share of a planned batch: sent, deferred or suppressed, and written (see outbox_send_due)."""
    counts, outcome = Counter(), BatchOutcome(worker_id=worker_id, now=now)
    try:
        outcome.prepare(decisions)
        for message, decision in decisions:
            if stop.is_set():  # another lane failed: the rest of the share stays claimed until its lease ends
                break
            counts[_handle(message, decision, outcome)] += 1
    finally:
        outcome.flush()
    return counts


def _prefetch_accounts(batch):
    """One query for the batch's points and tiers (templates read them through message_context)."""
    from loyalty.models import MemberAccount

    member_ids = {m.member_id for m in batch if m.member_id and m.purpose == Purpose.MARKETING}
    if not member_ids:
        return
    accounts = {a.member_id: a for a in MemberAccount.objects.filter(member_id__in=member_ids).select_related("tier")}
    for message in batch:
        if message.member is not None:
            message.member._campaign_account = accounts.get(message.member_id)


class BatchOutcome:
    """Per-batch writes: channel back ends reused across the batch, deferrals, suppressions and "sent"
    engagement events written in a few statements at the end."""

    def __init__(self, *, worker_id, now):
        self.worker_id, self.now = worker_id, now
        self.backends = {}
        self.deferred = defaultdict(list)  # (due_at, reason) -> ids
        self.suppressed = defaultdict(list)  # reason -> ids
        self.sent_events = []
        self.delivered = []  # (message, values) sent but not yet recorded

    def backend(self, channel):
        if channel not in self.backends:
            self.backends[channel] = channel_backend(channel)
        return self.backends[channel]

    def prepare(self, decisions):
        """Let each channel's back end read what the batch's sends on it need, once (push: devices)."""
        recipients = defaultdict(lambda: (set(), set()))
        for message, decision in decisions:
            if decision.action == "send" and message.member_id:
                member_ids, keys = recipients[decision.channel]
                member_ids.add(message.member_id)
                keys.add(message.idempotency_key)
        for channel, (member_ids, keys) in recipients.items():
            try:
                backend = self.backend(channel)
            except PermanentSendError:
                continue  # no back end: each of its messages fails with the reason when handled
            if hasattr(backend, "prepare"):  # the hooks are optional: a back end may implement send() alone
                backend.prepare(member_ids=member_ids, keys=keys)

    def record_delivered(self, message, values, *, at_once=False):
        if at_once:  # the back end holds more than the row (push: each device's answer): both now, together
            self.record([(message, values)])
            return
        self.delivered.append((message, values))
        if len(self.delivered) >= settings.CAMPAIGNS_OUTBOX_RECORD_EVERY:
            self.flush_delivered()

    def flush_delivered(self):
        """One UPDATE for the sent messages not yet recorded (a crash before it re-sends at most these,
        with their idempotency keys)."""
        rows, self.delivered = self.delivered, []
        self.record(rows)

    def record(self, rows, *, update=None):
        """In one transaction: the delivered `rows`, the `update` of one row's other outcome (failed, retried),
        and what the channel back ends learnt from those sends (save_outcomes)."""
        if not rows and update is None:
            return
        with transaction.atomic():
            self._update_delivered(rows)
            if update is not None:
                update()
            for backend in self.backends.values():
                if hasattr(backend, "save_outcomes"):
                    backend.save_outcomes()

    def _update_delivered(self, rows):
        if not rows:
            return
        if connection.vendor != "postgresql":
            for message, values in rows:
                OutboxMessage.objects.filter(pk=message.pk, claimed_by=message.claimed_by,
                                             attempts=message.attempts).update(**values)
            return
        placeholders = ", ".join(["(%s::bigint, %s, %s, %s, %s, %s, %s, %s::int)"] * len(rows))
        params = [self.now, self.worker_id]
        for message, v in rows:
            params += [message.pk, v["sent_channel"], v["sent_to"], v["provider_id"], v["reason"],
                       v.get("subject", ""), v.get("body", ""), message.attempts]
        with connection.cursor() as cursor:
            cursor.execute(f"""
                UPDATE campaigns_outboxmessage o
                   SET status = 'delivered', lease_until = NULL, sent_at = %s, sent_channel = v.channel,
                       sent_to = v.sent_to, provider_id = v.provider_id, reason = v.reason, encrypted_secret = '',
                       subject = CASE WHEN o.body = '' THEN v.subject ELSE o.subject END,
                       body = CASE WHEN o.body = '' THEN v.body ELSE o.body END
                  FROM (VALUES {placeholders}) v (id, channel, sent_to, provider_id, reason, subject, body, attempts)
                 WHERE o.id = v.id AND o.claimed_by = %s AND o.attempts = v.attempts""",
                           [params[0], *params[2:], params[1]])

    def flush(self):
        self.flush_delivered()
        for backend in self.backends.values():
            backend.close()
        mine = OutboxMessage.objects.filter(claimed_by=self.worker_id, status=OutboxStatus.SENDING)
        for (due_at, reason), ids in self.deferred.items():
            mine.filter(pk__in=ids).update(status=OutboxStatus.PENDING, due_at=due_at, reason=reason, lease_until=None,
                                           attempts=F("attempts") - 1)
        for reason, ids in self.suppressed.items():
            mine.filter(pk__in=ids).update(status=OutboxStatus.SUPPRESSED, reason=reason, lease_until=None,
                                           encrypted_secret="")
        if self.sent_events:
            from customers.models import EngagementEvent

            # bulk: no post_save, so segments do not re-evaluate these members; no statistic reads "sent"
            # (opens and clicks, written one by one by the tracking endpoints, do mark them)
            EngagementEvent.objects.bulk_create(self.sent_events)


def _handle(message: OutboxMessage, decision, outcome: BatchOutcome) -> str:
    from .rendering import outgoing_for

    if decision.action == "suppress":
        outcome.suppressed[decision.reason].append(message.pk)
        return decision.reason.split(":")[0]
    if decision.action == "defer":
        outcome.deferred[(decision.due_at, decision.reason)].append(message.pk)
        return "deferred"
    now = outcome.now
    try:
        backend = outcome.backend(decision.channel)
        outgoing: OutgoingMessage = outgoing_for(message, channel=decision.channel, to=decision.to)
        result = backend.send(outgoing)
    except PermanentSendError as error:
        return _finish(message, OutboxStatus.FAILED, reason=str(error)[:255], outcome=outcome)
    except Exception as error:  # a temporary failure: retry with backoff
        logger.warning("outbox_send_error id=%s attempt=%s error=%r", message.pk, message.attempts, error)
        return _retry(message, f"{type(error).__name__}: {error}"[:255], now, outcome=outcome)
    values = {"status": OutboxStatus.DELIVERED, "reason": decision.reason, "lease_until": None, "sent_at": now,
              "sent_channel": decision.channel, "sent_to": outgoing.to[:500], "provider_id": result.provider_id[:255],
              "encrypted_secret": ""}
    if not message.body:
        values.update(subject=outgoing.subject[:255], body=outgoing.body)  # keep what was actually sent
    outcome.record_delivered(message, values, at_once=getattr(backend, "records_each_send", False))
    if message.member_id and message.purpose == Purpose.MARKETING:
        from customers.models import EngagementEvent

        outcome.sent_events.append(EngagementEvent(member_id=message.member_id, channel=decision.channel,
                                                   kind=EngagementEvent.Kind.SENT, occurred_at=now,
                                                   message_ref=message.idempotency_key))
    return "delivered"


def _finish(message, status, *, reason="", outcome: BatchOutcome) -> str:
    """A failed or suppressed send's final outcome, with what its back end learnt (push: devices' answers)."""
    values = {"status": status, "reason": reason, "lease_until": None, "encrypted_secret": ""}  # final: the secret goes
    # Only the holder of the claim records an outcome: a row re-claimed after a lost lease is not overwritten.
    outcome.record([], update=lambda: OutboxMessage.objects.filter(
        pk=message.pk, claimed_by=message.claimed_by, attempts=message.attempts).update(**values))
    return str(status)


def _retry(message, reason, now, *, outcome: BatchOutcome) -> str:
    if message.attempts >= settings.CAMPAIGNS_OUTBOX_MAX_ATTEMPTS:
        return _finish(message, OutboxStatus.FAILED, reason=f"gave up after {message.attempts} attempts: {reason}",
                       outcome=outcome)
    delay = min(settings.CAMPAIGNS_OUTBOX_BACKOFF_SECONDS * 2 ** (message.attempts - 1), 6 * 3600)
    due_at = now + dt.timedelta(seconds=delay)
    if message.expires_at and due_at > message.expires_at:
        return _finish(message, OutboxStatus.SUPPRESSED, reason=f"window_expired: retry would be late ({reason})",
                       outcome=outcome)
    outcome.record([], update=lambda: OutboxMessage.objects.filter(
        pk=message.pk, claimed_by=message.claimed_by, attempts=message.attempts).update(
        status=OutboxStatus.PENDING, due_at=due_at, reason=reason, lease_until=None))
    return "retried"
