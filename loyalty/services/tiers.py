"""Tier changes: upgrade at once when a member qualifies; downgrade only at the periodic review, after grace."""
import datetime as dt
import logging
import time

from django.db import transaction
from django.utils import timezone

from core.timezones import shop_today

from ..models import MemberAccount, ProgrammeSettings, Tier, TierHistory
from ..selectors.tiers import points_in_window, qualifying_amounts, spend_in_window, tier_qualified, window_start
from ..signals import tier_changed

logger = logging.getLogger(__name__)
REVIEW_BATCH = 2000


def _rank(tier):
    return tier.rank if tier is not None else -1


def _change(account, *, to_tier, reason, now, tiers_by_id):
    from_tier = tiers_by_id.get(account.tier_id)
    account.tier_id = to_tier.pk if to_tier else None
    account.tier_below_since = None
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
    account.save(update_fields=["tier", "tier_below_since", "updated_at"])
    history.save()
    tier_changed.send(sender=Tier, member=account.member, from_tier=from_tier, to_tier=best)
    return True


def tiers_review(*, as_of: dt.date | None = None) -> dict:
    """The periodic review of every account: upgrade the qualified, start the grace period of those below their
    tier, and downgrade those whose grace period is over to the tier they qualify for.

    One annotated query per batch of accounts computes every member's amounts; rows are written in bulk.
    Running it twice on the same day changes nothing the second time.
    """
    started = time.monotonic()
    as_of = as_of or shop_today()
    programme = ProgrammeSettings.load()
    tiers = list(Tier.objects.all())
    tiers_by_id = {tier.pk: tier for tier in tiers}
    since = window_start(as_of=as_of, programme=programme)
    grace = dt.timedelta(days=programme.tier_grace_days)
    counts = {"upgraded": 0, "downgraded": 0, "grace_started": 0, "reviewed": 0}
    last_id = 0
    while tiers:
        with transaction.atomic():
            accounts = list(
                MemberAccount.objects.select_for_update(of=("self",)).filter(id__gt=last_id).order_by("id")
                .select_related("member")
                .annotate(spend=spend_in_window(member_ref="member_id", since=since),
                          points=points_in_window(member_ref="member_id", since=since))[:REVIEW_BATCH]
            )
            if not accounts:
                break
            last_id = accounts[-1].id
            now, changed, history, signals = timezone.now(), [], [], []
            for account in accounts:
                current = tiers_by_id.get(account.tier_id)
                best = tier_qualified(amounts={"spend": account.spend, "points": account.points}, tiers=tiers)
                if _rank(best) > _rank(current):
                    entry, _ = _change(account, to_tier=best, reason="Qualified at review", now=now, tiers_by_id=tiers_by_id)
                    counts["upgraded"] += 1
                elif _rank(best) < _rank(current):
                    if account.tier_below_since is None:
                        account.tier_below_since = as_of
                        changed.append(account)
                        counts["grace_started"] += 1
                        continue
                    if as_of - account.tier_below_since < grace:
                        continue
                    entry, _ = _change(account, to_tier=best, reason="Review after grace period", now=now,
                                       tiers_by_id=tiers_by_id)
                    counts["downgraded"] += 1
                else:
                    if account.tier_below_since is not None:
                        account.tier_below_since = None
                        changed.append(account)
                    continue
                changed.append(account)
                history.append(entry)
                signals.append((account.member, entry.from_tier, entry.to_tier))
            MemberAccount.objects.bulk_update(changed, ["tier", "tier_below_since"])
            TierHistory.objects.bulk_create(history)
            for member, from_tier, to_tier in signals:
                tier_changed.send(sender=Tier, member=member, from_tier=from_tier, to_tier=to_tier)
            counts["reviewed"] += len(accounts)
    logger.info("tiers_review_finished %s seconds=%.1f", " ".join(f"{k}={v}" for k, v in counts.items()),
                time.monotonic() - started)
    return counts
