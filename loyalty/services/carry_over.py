"""Carrying a member over from a previous loyalty programme: opening balances (as lots with their own expiry
dates) and tiers kept until a given day. Both are written for many members at once, set-based, under the same
account locks as every other write to the ledger.
"""
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.timezones import shop_today
from customers.models import Member

from ..models import (
    LedgerBucket,
    LedgerEntry,
    LedgerEntryKind,
    LotState,
    MemberAccount,
    PointsLot,
    Tier,
    TierHistory,
)
from ..signals import tier_changed
from .earning import earning_config
from .ledger import MAX_POINTS, balances_save, credit, lot_expiry

OPENING_REASON = "Opening balance from the previous programme"
TIER_REASON = "Carried over from the previous programme"


@dataclass(frozen=True)
class OpeningBalance:
    member_id: int
    points: int
    expires_on: dt.date | None  # None: the programme's own validity rule, counted from today
    cause_key: str  # one entry per key, ever


@dataclass(frozen=True)
class TierCarryOver:
    member_id: int
    tier_id: int
    valid_until: dt.date | None


def accounts_lock(member_ids) -> dict[int, MemberAccount]:
    """The members' accounts, created if missing, locked FOR UPDATE in member order (so two batches never
    deadlock), until the transaction ends."""
    member_ids = sorted(set(member_ids))
    MemberAccount.objects.bulk_create([MemberAccount(member_id=member_id) for member_id in member_ids],
                                      ignore_conflicts=True)
    accounts = MemberAccount.objects.select_for_update().filter(member_id__in=member_ids).order_by("member_id")
    return {account.member_id: account for account in accounts}


@transaction.atomic
def points_open_balances(*, balances: list[OpeningBalance]) -> tuple[dict[str, LedgerEntry], set[str]]:
    """Credit each balance as one `opening` ledger entry with its own available lot, expiring on its
    `expires_on`; returns the entry of every balance by cause key, and the keys written now.

    Idempotent by `cause_key`: a balance whose key is already in the ledger is not written again and its
    stored entry (with its lot) is returned for the caller to compare. The members' accounts are locked in member order and
    their cached balances move in the same transaction as the entries, so `check_ledger` holds. A member
    with a debt pays it off from the balance first (through the ledger's `credit`, one row at a time; every
    other balance is written with one INSERT each for entries and lots and one UPDATE of the accounts).
    Raises ValueError for a balance that is not a positive whole number up to MAX_POINTS.
    """
    for balance in balances:
        if isinstance(balance.points, bool) or not 0 < balance.points <= MAX_POINTS:
            raise ValueError(f"Points must be a whole number from 1 to {MAX_POINTS}: {balance.points!r}.")
    accounts = accounts_lock(balance.member_id for balance in balances)
    entries = {entry.cause_key: entry
               for entry in LedgerEntry.objects.filter(cause_key__in=[b.cause_key for b in balances]).select_related("lot")}
    fresh = {}
    for balance in balances:
        if balance.cause_key not in entries:
            fresh.setdefault(balance.cause_key, balance)
    now, today = timezone.now(), shop_today()
    programme = earning_config().programme
    default_expiry = lot_expiry(earned_on=today, programme=programme)
    in_debt = [b for b in fresh.values() if accounts[b.member_id].debt_points > 0]
    plain = [b for b in fresh.values() if accounts[b.member_id].debt_points == 0]
    for balance in in_debt:
        account = accounts[balance.member_id]
        entries[balance.cause_key] = credit(account, kind=LedgerEntryKind.OPENING, points=balance.points,
                                            reason=OPENING_REASON, cause_key=balance.cause_key, now=now,
                                            expires_on=balance.expires_on)
        balances_save(account)
    created = LedgerEntry.objects.bulk_create([
        LedgerEntry(member_id=b.member_id, kind=LedgerEntryKind.OPENING, bucket=LedgerBucket.AVAILABLE, points=b.points,
                    created_at=now, reason=OPENING_REASON, cause_key=b.cause_key)
        for b in plain
    ])
    PointsLot.objects.bulk_create([
        PointsLot(member_id=b.member_id, entry=entry, points=b.points, remaining=b.points, state=LotState.AVAILABLE,
                  available_on=today, expires_on=b.expires_on if b.expires_on is not None else default_expiry)
        for b, entry in zip(plain, created)
    ])
    credited: dict[int, int] = {}
    for balance, entry in zip(plain, created):
        credited[balance.member_id] = credited.get(balance.member_id, 0) + balance.points
        entries[balance.cause_key] = entry
    for member_id, points in credited.items():
        accounts[member_id].available_points += points
        accounts[member_id].updated_at = now
    MemberAccount.objects.bulk_update([accounts[member_id] for member_id in credited],
                                      ["available_points", "updated_at"], batch_size=1000)
    return entries, set(fresh)


@transaction.atomic
def tiers_carry_over(*, assignments: list[TierCarryOver]) -> set[int]:
    """Put each member in the given tier, kept at least until `valid_until` (the tier review does not
    downgrade before that day); returns the ids of the members whose tier or date changed.

    Idempotent: a member already in that tier with that date is left alone. Every change is recorded in
    the tier history and sends `tier_changed`, in member order under the accounts' locks.
    """
    accounts = accounts_lock(a.member_id for a in assignments)
    tiers = Tier.objects.in_bulk({a.tier_id for a in assignments} | {a.tier_id for a in accounts.values() if a.tier_id})
    now, changed, history = timezone.now(), [], []
    for assignment in assignments:
        account = accounts[assignment.member_id]
        if account.tier_id == assignment.tier_id and account.tier_valid_until == assignment.valid_until:
            continue
        if account.tier_id != assignment.tier_id:
            history.append(TierHistory(member_id=account.member_id, from_tier=tiers.get(account.tier_id),
                                       to_tier=tiers[assignment.tier_id], changed_at=now, reason=TIER_REASON))
        account.tier_id, account.tier_valid_until = assignment.tier_id, assignment.valid_until
        account.tier_below_since, account.updated_at = None, now
        changed.append(account)
    MemberAccount.objects.bulk_update(changed, ["tier", "tier_valid_until", "tier_below_since", "updated_at"],
                                      batch_size=1000)
    TierHistory.objects.bulk_create(history, batch_size=500)
    if history:
        members = Member.objects.in_bulk([entry.member_id for entry in history])
        for entry in history:
            tier_changed.send(sender=Tier, member=members[entry.member_id], from_tier=entry.from_tier,
                              to_tier=entry.to_tier)
    return {account.member_id for account in changed}
