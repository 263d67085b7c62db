"""Writes to the points ledger. Every write locks the member's MemberAccount row first, so writes to one
member are serialised; the cached balances move in the same transaction as the entries that explain them.
"""
import calendar
import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.exceptions import DomainError
from core.rows import model_insert, model_row, model_update
from core.timezones import shop_today

from ..models import (
    LedgerBucket,
    LedgerEntry,
    LedgerEntryKind,
    LotState,
    MemberAccount,
    PointsLot,
    ProgrammeSettings,
    ValidityKind,
)
from ..signals import points_earned, points_spent
from .earning import earning_config

MAX_POINTS = 10**9


def account_lock(*, member) -> MemberAccount:
    """The member's account, created if missing, locked FOR UPDATE until the transaction ends."""
    if member is None or member.pk is None:
        raise DomainError("Unknown member.", code="unknown_member", http_status=404)
    account = model_row(MemberAccount, "member_id = %s", [member.pk], lock=True)  # every write: no ORM compile
    if account is None:
        # The member's first write: create the row, which our transaction then holds locked until it ends. If a
        # parallel request created it first, ON CONFLICT waited for that one to commit: lock the row it made.
        account = MemberAccount(member=member)
        if not model_insert(account, conflict=("member",)):
            account = model_row(MemberAccount, "member_id = %s", [member.pk], lock=True)
    account.member = member  # the caller's instance: signals and earning read it without another query
    return account


BALANCES = ["available_points", "pending_points", "debt_points", "updated_at"]


def balances_save(account) -> None:
    """Write the account's cached balances (the caller holds its lock): `save(update_fields=BALANCES)` in
    one hand-written UPDATE, as every order pays it."""
    model_update(account, BALANCES)


def points_validate(points, *, field="points", allow_negative=False) -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        raise DomainError("Points must be a whole number.", code="invalid_points", fields={field: ["Whole number."]})
    if points == 0 or (points < 0 and not allow_negative) or abs(points) > MAX_POINTS:
        raise DomainError(
            "Points must be positive." if not allow_negative else "Points must not be zero.",
            code="invalid_points",
            fields={field: ["Must be a non-zero amount." if allow_negative else "Must be greater than zero."]},
        )
    return points


def lot_expiry(*, earned_on: dt.date, programme: ProgrammeSettings) -> dt.date | None:
    """When points earned on `earned_on` expire, per the programme's validity rule."""
    if programme.validity_kind == ValidityKind.NEVER:
        return None
    day = earned_on + dt.timedelta(days=programme.validity_days)
    if programme.validity_kind == ValidityKind.END_OF_MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if programme.validity_kind == ValidityKind.END_OF_YEAR:
        return day.replace(month=12, day=31)
    return day


def entries_for_cause(cause_key: str):
    """The entries one cause wrote: the main entry (key) and its parts (key:…)."""
    return LedgerEntry.objects.filter(Q(cause_key=cause_key) | Q(cause_key__startswith=f"{cause_key}:"))


def _entry(account, *, kind, bucket, points, reason, cause_key, now, order=None, details=None, staff_user=None):
    entry = LedgerEntry(
        member_id=account.member_id, kind=kind, bucket=bucket, points=points, created_at=now, order=order,
        reason=reason[:255], cause_key=cause_key, details=details or {}, staff_user=staff_user,
    )
    model_insert(entry)  # LedgerEntry.objects.create without the ORM's compiler: every order writes one
    return entry


def _move(account, bucket, points):
    field = f"{bucket}_points"
    setattr(account, field, getattr(account, field) + points)


def credit(account, *, kind, points, reason, cause_key, now, pending=False, order=None, expires_on=None,
           details=None, staff_user=None, pay_debt=True) -> LedgerEntry:
    """Credit points into a new lot (pending or available). Debt is paid off first from the new lot.

    The caller holds the account lock and saves the account afterwards.
    """
    programme = earning_config().programme
    today = shop_today()
    pending = pending and programme.return_period_days > 0  # no return period: spendable at once
    bucket = LedgerBucket.PENDING if pending else LedgerBucket.AVAILABLE
    entry = _entry(account, kind=kind, bucket=bucket, points=points, reason=reason, cause_key=cause_key, now=now,
                   order=order, details=details, staff_user=staff_user)
    _move(account, bucket, points)
    paid = min(account.debt_points, points) if pay_debt else 0
    if paid:
        key = f"{cause_key}:debt" if cause_key else None
        _entry(account, kind=LedgerEntryKind.DEBT, bucket=bucket, points=-paid, reason="Debt paid off",
               cause_key=f"{key}:paid" if key else None, now=now, order=order)
        _entry(account, kind=LedgerEntryKind.DEBT, bucket=LedgerBucket.DEBT, points=-paid, reason="Debt paid off",
               cause_key=f"{key}:cleared" if key else None, now=now, order=order)
        _move(account, bucket, -paid)
        _move(account, LedgerBucket.DEBT, -paid)
    available_on = today + dt.timedelta(days=programme.return_period_days) if pending else today
    model_insert(PointsLot(
        member_id=account.member_id, entry=entry, order=order, points=points, remaining=points - paid,
        state=LotState.PENDING if pending else LotState.AVAILABLE, available_on=available_on,
        expires_on=expires_on if expires_on is not None else lot_expiry(earned_on=today, programme=programme),
    ))
    if kind in (LedgerEntryKind.EARN, LedgerEntryKind.BONUS):
        points_earned.send(sender=LedgerEntry, member=account.member, entry=entry)
    return entry


def consume_lots(lots, points: int) -> dict[str, int]:
    """Take up to `points` from `lots` in the order given; returns points taken per lot state."""
    taken = {}
    for lot in lots:
        if points <= 0:
            break
        take = min(lot.remaining, points)
        if take <= 0:
            continue
        PointsLot.objects.filter(pk=lot.pk).update(remaining=lot.remaining - take)
        lot.remaining -= take
        taken[lot.state] = taken.get(lot.state, 0) + take
        points -= take
    return taken


def available_lots_fifo(member_id, *, exclude_order=None):
    lots = PointsLot.objects.filter(member_id=member_id, state=LotState.AVAILABLE, remaining__gt=0)
    if exclude_order is not None:
        lots = lots.exclude(order=exclude_order)
    # Oldest expiry first; lots that never expire are spent last.
    return list(lots.order_by(F("expires_on").asc(nulls_last=True), "id"))


def _debit_available(account, *, kind, points, reason, cause_key, now, order=None, staff_user=None):
    if points > account.available_points:
        raise DomainError(
            f"Only {account.available_points} points are available.", code="insufficient_points",
            fields={"points": [f"At most {account.available_points}."]}, http_status=409,
        )
    consume_lots(available_lots_fifo(account.member_id), points)
    entry = _entry(account, kind=kind, bucket=LedgerBucket.AVAILABLE, points=-points, reason=reason,
                   cause_key=cause_key, now=now, order=order, staff_user=staff_user)
    _move(account, LedgerBucket.AVAILABLE, -points)
    balances_save(account)
    return entry


def _existing(cause_key, member, kind):
    entry = LedgerEntry.objects.filter(cause_key=cause_key).first()
    if entry is not None and (entry.member_id != member.pk or entry.kind != kind):
        raise DomainError("This key was already used for another operation.", code="cause_key_reused",
                          http_status=409)
    return entry


def _require_key(cause_key):
    if not cause_key or len(cause_key) > 100:
        raise DomainError("A cause key (1–100 characters) is required.", code="invalid_cause_key",
                          fields={"cause_key": ["Required, at most 100 characters."]})


@transaction.atomic
def points_award_bonus(*, member, points: int, reason: str, cause_key: str, expires_on: dt.date | None = None):
    """Give a member bonus points, available at once (campaigns, goodwill).

    Idempotent by `cause_key`: a second call returns the first entry and writes nothing. Any debt is paid
    off from the bonus first. Raises DomainError `invalid_points`, `unknown_member`, `cause_key_reused`.
    """
    points_validate(points)
    _require_key(cause_key)
    account = account_lock(member=member)
    if entry := _existing(cause_key, member, LedgerEntryKind.BONUS):
        return entry
    entry = credit(account, kind=LedgerEntryKind.BONUS, points=points, reason=reason, cause_key=cause_key,
                   now=timezone.now(), expires_on=expires_on)
    balances_save(account)
    return entry


@transaction.atomic
def points_redeem(*, member, points: int, reason: str, cause_key: str, order=None):
    """Spend available points, oldest-expiring lot first.

    Locks the member's account, so parallel redemptions queue and the balance never goes negative (the
    check constraints back this up). Idempotent by `cause_key`. Raises DomainError `insufficient_points`
    (409), `invalid_points`, `unknown_member`, `cause_key_reused`.
    """
    points_validate(points)
    _require_key(cause_key)
    account = account_lock(member=member)
    if entry := _existing(cause_key, member, LedgerEntryKind.REDEEM):
        return entry
    entry = _debit_available(account, kind=LedgerEntryKind.REDEEM, points=points, reason=reason,
                             cause_key=cause_key, now=timezone.now(), order=order)
    points_spent.send(sender=LedgerEntry, member=account.member, entry=entry)
    return entry


@transaction.atomic
def points_adjust(*, member, points: int, reason: str, staff_user, cause_key: str | None = None):
    """A staff correction: positive credits an available lot, negative spends available points FIFO.

    A reason is required; a negative adjustment larger than the available balance raises
    `insufficient_points` (it never makes the balance negative).
    """
    points_validate(points, allow_negative=True)
    if not (reason or "").strip():
        raise DomainError("A reason is required.", code="reason_required", fields={"reason": ["Required."]})
    account = account_lock(member=member)
    if cause_key and (entry := _existing(cause_key, member, LedgerEntryKind.ADJUST)):
        return entry
    now = timezone.now()
    if points > 0:
        entry = credit(account, kind=LedgerEntryKind.ADJUST, points=points, reason=reason, cause_key=cause_key,
                       now=now, staff_user=staff_user)
        balances_save(account)
        return entry
    return _debit_available(account, kind=LedgerEntryKind.ADJUST, points=-points, reason=reason,
                            cause_key=cause_key, now=now, staff_user=staff_user)
