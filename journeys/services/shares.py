"""Adaptive splits move their traffic to the better variant: each variant's share becomes the probability, by
Thompson sampling over conversions of members whose window has closed, that it is the best (with a floor so none
starves). Members already assigned keep their variant; only new arrivals follow the new shares."""
import datetime as dt
import logging

from django.utils import timezone

from ..models import JourneyNode, JourneyVariant
from ..selectors import adaptive_splits, split_variant_counts
from ..splits import thompson_shares

logger = logging.getLogger(__name__)
REFRESH_EVERY = dt.timedelta(minutes=15)


def split_shares_refresh(*, node: JourneyNode, now: dt.datetime | None = None) -> list[float]:
    """Recompute and store an adaptive split's shares now. Deterministic for the same counts (seeded by the node)."""
    now = now or timezone.now()
    counts = split_variant_counts(node=node, closed_by=now)
    variants = list(node.variants.order_by("key"))
    if not variants:
        return []
    if sum(counts[v.pk].members for v in variants) == 0:  # nothing learnt yet: the starting shares
        total = sum(v.weight for v in variants) or len(variants)
        shares = [(v.weight or (total / len(variants))) / total for v in variants]
    else:
        shares = thompson_shares([counts[v.pk] for v in variants], seed=node.pk)
    for variant, share in zip(variants, shares):
        variant.traffic_share = share
    JourneyVariant.objects.bulk_update(variants, ["traffic_share"])
    JourneyNode.objects.filter(pk=node.pk).update(shares_updated_at=now)
    logger.info("journey_split_shares node=%s shares=%s", node.pk, ",".join(f"{s:.3f}" for s in shares))
    return shares


def adaptive_shares_refresh_due(*, now: dt.datetime | None = None) -> int:
    """Refresh every active adaptive split not refreshed within REFRESH_EVERY (the per-minute sweep calls it)."""
    now = now or timezone.now()
    due = [node for node in adaptive_splits() if not node.shares_updated_at or node.shares_updated_at <= now - REFRESH_EVERY]
    for node in due:
        split_shares_refresh(node=node, now=now)
    return len(due)
