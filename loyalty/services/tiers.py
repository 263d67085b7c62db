"""Tier changes: upgrade at once when a member qualifies; downgrade only at the periodic review, after grace."""
import datetime as dt
import logging
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.timezones import shop_today

from ..models import MemberAccount, ProgrammeSettings, Tier, TierHistory
from ..selectors.tiers import qualifying_amounts, tier_qualified, window_amounts, window_start
from ..signals import tier_changed

logger = logging.getLogger(__name__)
REVIEW_BATCH = 2000


def _rank(tier):
    return tier.rank if tier is not None else -1


def _change(account, *, to_tier, reason, now, tiers_by_id):
    from_tier = tiers_by_id.get(account.tier_id)
    account.tier_id = to_tier.pk if to_tier else None
    account.tier_below_since = None
    account.tier_valid_until = None  # a carried-over tier's date covered that tier only
    history = TierHistory(member_id=account.member_id, from_tier=from_tier, to_tier=to_tier, changed_at=now, reason=reason)
    return history, from_tier


def tier_upgrade_if_qualified(*, account: MemberAccount, as_of: dt.date | None = None) -> bool:
    """Upgrade the (locked) account at once if the member now qualifies for a better tier; never downgrades.

    Called by earning inside its transaction; sends tier_changed in that transaction.
    """
    tiers = list(Tier.objects.all())
    tiers_by_id = {tier.pk: tier for tier in tiers}
    current_rank = _rank(tiers_by_id.get(account.tier_id))
    if not tiers or (all(tier.rank <= current_rank for tier in tiers) and account.tier_below_since is None):
        return False  # nothing higher to reach: skip the window query
    amounts = qualifying_amounts(member=account.member, as_of=as_of or shop_today())
    best = tier_qualified(amounts=amounts, tiers=tiers)
    if _rank(best) <= _rank(tiers_by_id.get(account.tier_id)):
        if account.tier_below_since and _rank(best) == _rank(tiers_by_id.get(account.tier_id)):
            account.tier_below_since = None  # back above the line: the grace period no longer runs
            account.save(update_fields=["tier_below_since", "updated_at"])
        return False
    history, from_tier = _change(account, to_tier=best, reason="Qualified", now=timezone.now(), tiers_by_id=tiers_by_id)
    account.save(update_fields=["tier", "tier_below_since", "tier_valid_until", "updated_at"])
    history.save()
    tier_changed.send(sender=Tier, member=account.member, from_tier=from_tier, to_tier=best)
    return True


def tiers_review(*, as_of: dt.date | None = None) -> dict:
    """The periodic review of every account: upgrade the qualified, start the grace period of those below their
    tier, and downgrade those whose grace period is over to the tier they qualify for.

    A tier carried over with a valid-until day (`tier_valid_until`) is never downgraded on or before that
    day; on the first review after it, a member below that tier is downgraded at once (the previous
    programme's date was their grace).

    Per batch of accounts (locked, in member order): three aggregate queries over the batch's member range
    give every member's amounts; changed rows are written in bulk. Running it twice on the same day changes
    nothing the second time.
    """
    from customers.models import Member

    started = time.monotonic()
    as_of = as_of or shop_today()
    programme = ProgrammeSettings.load()
    tiers = list(Tier.objects.all())
    tiers_by_id = {tier.pk: tier for tier in tiers}
    since = window_start(as_of=as_of, programme=programme)
    grace = dt.timedelta(days=programme.tier_grace_days)
    counts = {"upgraded": 0, "downgraded": 0, "grace_started": 0, "reviewed": 0}
    zero = {"spend": Decimal(0), "points": Decimal(0)}
    last_member_id = 0
    while tiers:
        with transaction.atomic():
            accounts = list(MemberAccount.objects.select_for_update().filter(member_id__gt=last_member_id)
                            .order_by("member_id")[:REVIEW_BATCH])
            if not accounts:
                break
            first_member_id, last_member_id = accounts[0].member_id, accounts[-1].member_id
            amounts = window_amounts(member_id_from=first_member_id, member_id_to=last_member_id, since=since)
            now, changed, history = timezone.now(), [], []
            for account in accounts:
                current = tiers_by_id.get(account.tier_id)
                best = tier_qualified(amounts=amounts.get(account.member_id, zero), tiers=tiers)
                if _rank(best) > _rank(current):
                    entry, _ = _change(account, to_tier=best, reason="Qualified at review", now=now, tiers_by_id=tiers_by_id)
                    counts["upgraded"] += 1
                elif _rank(best) < _rank(current):
                    carried = account.tier_valid_until is not None
                    if carried and as_of <= account.tier_valid_until:
                        continue  # a carried-over tier is kept until its date
                    if not carried and account.tier_below_since is None:
                        account.tier_below_since = as_of
                        changed.append(account)
                        counts["grace_started"] += 1
                        continue
                    if not carried and as_of - account.tier_below_since < grace:
                        continue
                    reason = "Review after the carried-over tier's date" if carried else "Review after grace period"
                    entry, _ = _change(account, to_tier=best, reason=reason, now=now, tiers_by_id=tiers_by_id)
                    counts["downgraded"] += 1
                else:
                    if account.tier_below_since is not None:
                        account.tier_below_since = None
                        changed.append(account)
                    continue
                changed.append(account)
                history.append(entry)
            # Changes share few (tier, grace start, valid-until) triples: one UPDATE per triple beats a CASE per row.
            by_change: dict[tuple, list[int]] = {}
            for account in changed:
                key = (account.tier_id, account.tier_below_since, account.tier_valid_until)
                by_change.setdefault(key, []).append(account.pk)
            for (tier_id, below_since, valid_until), ids in by_change.items():
                MemberAccount.objects.filter(pk__in=ids).update(tier_id=tier_id, tier_below_since=below_since,
                                                                tier_valid_until=valid_until, updated_at=now)
            TierHistory.objects.bulk_create(history, batch_size=500)
            members = Member.objects.in_bulk([entry.member_id for entry in history])
            for entry in history:
                tier_changed.send(sender=Tier, member=members[entry.member_id], from_tier=entry.from_tier,
                                  to_tier=entry.to_tier)
            counts["reviewed"] += len(accounts)
    logger.info("tiers_review_finished %s seconds=%.1f", " ".join(f"{k}={v}" for k, v in counts.items()),
                time.monotonic() - started)
    return counts
