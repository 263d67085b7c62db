"""Reads of coupons and the reward catalogue."""
from django.db.models import F
from django.utils import timezone

from ..models import Coupon, Reward


def member_coupons(*, member, state: str | None = None):
    """The member's coupons; state `active` (usable now), `used` (no uses left) or `expired` (unused, lapsed)."""
    now = timezone.now()
    coupons = Coupon.objects.filter(member=member).select_related("template")
    if state == "active":
        coupons = coupons.filter(expires_at__gt=now, uses__lt=F("max_uses"))
    elif state == "used":
        coupons = coupons.filter(uses__gte=F("max_uses"))
    elif state == "expired":
        coupons = coupons.filter(expires_at__lte=now, uses__lt=F("max_uses"))
    elif state is not None:
        from core.exceptions import DomainError

        raise DomainError("Unknown coupon state.", code="invalid_state", fields={"state": ["active, used or expired."]})
    return coupons.order_by("-issued_at", "-id")


def rewards_available(*, member=None):
    """Active rewards, cheapest first; with a member, only those their available points can buy."""
    rewards = Reward.objects.filter(active=True, template__active=True).select_related("template")
    if member is not None:
        from .ledger import member_balance

        rewards = rewards.filter(points_cost__lte=member_balance(member=member).available)
    return rewards.order_by("points_cost", "name")
