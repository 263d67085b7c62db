"""Coupons: issue (idempotent), validate and redeem at the till (at most `max_uses`, even in parallel), and
rewards bought with points."""
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import Conflict, DomainError, NotFound

from ..models import Coupon, CouponRedemption
from ..models.coupons import new_coupon_code
from ..signals import coupon_issued, coupon_redeemed
from .ledger import _require_key, account_lock, points_redeem


@transaction.atomic
def coupon_issue(*, template, member, source: str, cause_key: str) -> Coupon:
    """Issue a coupon from `template` to `member` (None: a bearer coupon) with a fresh unguessable code.

    Idempotent by `cause_key`. Enforces the template's per-member limit under the member's account lock.
    Sends coupon_issued in the transaction. Raises DomainError `template_inactive`, `coupon_limit_reached`.
    """
    _require_key(cause_key)
    if member is not None:
        account_lock(member=member)  # serialises the per-member limit check
    existing = Coupon.objects.filter(cause_key=cause_key).first()
    if existing is not None:
        return existing
    if not template.active:
        raise DomainError("This coupon template is not active.", code="template_inactive")
    if member is not None and template.per_member_limit is not None:
        held = Coupon.objects.filter(template=template, member=member).count()
        if held >= template.per_member_limit:
            raise Conflict(f"At most {template.per_member_limit} such coupons per member.", code="coupon_limit_reached")
    now = timezone.now()
    for _attempt in range(3):  # a code collision is ~never; retry rather than fail
        try:
            with transaction.atomic():
                coupon = Coupon.objects.create(
                    code=new_coupon_code(), template=template, member=member, source=source, cause_key=cause_key,
                    issued_at=now, expires_at=now + dt.timedelta(days=template.validity_days),
                    max_uses=template.max_uses,
                )
            break
        except IntegrityError:
            if Coupon.objects.filter(cause_key=cause_key).exists():
                return Coupon.objects.get(cause_key=cause_key)
    else:  # pragma: no cover
        raise DomainError("Could not draw a unique code.", code="coupon_code_exhausted")
    coupon_issued.send(sender=Coupon, coupon=coupon)
    return coupon


def _order_total(order_total):
    if order_total is None:
        return None
    try:
        total = order_total if isinstance(order_total, Decimal) else Decimal(str(order_total))
    except (InvalidOperation, TypeError, ValueError):
        total = None
    if total is None or not total.is_finite() or total < 0:
        raise DomainError("order_total must be a non-negative decimal.", code="invalid_amount",
                          fields={"order_total": ["A non-negative decimal."]})
    return total


def _check(coupon, *, member, order_total, now):
    # Without a member (an anonymous till) the code itself is the proof; with one, it must be theirs.
    if coupon.member_id is not None and member is not None and coupon.member_id != member.pk:
        raise DomainError("This coupon belongs to another member.", code="coupon_foreign", http_status=403)
    if coupon.expires_at <= now:
        raise DomainError("This coupon has expired.", code="coupon_expired")
    if coupon.uses >= coupon.max_uses:
        raise Conflict("This coupon has been used.", code="coupon_used")
    if order_total is not None and order_total < coupon.template.min_order_total:
        raise DomainError(f"The order must be at least {coupon.template.min_order_total}.", code="coupon_min_order",
                          fields={"order_total": [f"At least {coupon.template.min_order_total}."]})


def _find(code, *, lock=False):
    coupons = Coupon.objects.select_related("template")
    if lock:
        coupons = coupons.select_for_update(of=("self",))
    coupon = coupons.filter(code=str(code or "").strip().upper()).first()
    if coupon is None:
        raise NotFound("No such coupon.", code="coupon_not_found", fields={"code": ["Unknown code."]})
    return coupon


def coupon_validate(*, code, member=None, order_total=None) -> Coupon:
    """The coupon if it could be redeemed now by `member` on an order of `order_total`; writes nothing.

    Raises DomainError `coupon_not_found` (404), `coupon_foreign` (403), `coupon_expired`, `coupon_used` (409),
    `coupon_min_order`, `invalid_amount`.
    """
    total = _order_total(order_total)
    coupon = _find(code)
    _check(coupon, member=member, order_total=total, now=timezone.now())
    return coupon


@transaction.atomic
def coupon_redeem(*, code, member=None, order_total, order_external_id=None) -> CouponRedemption:
    """Use a coupon once. Locks the coupon row, so parallel redemptions queue and at most `max_uses` succeed
    (a check constraint backs this up). Redeeming again for the same order returns the first redemption.
    Raises what coupon_validate raises.
    """
    total = _order_total(order_total)
    if total is None:
        raise DomainError("order_total is required.", code="invalid_amount", fields={"order_total": ["Required."]})
    coupon = _find(code, lock=True)
    if order_external_id:
        first = CouponRedemption.objects.filter(coupon=coupon, order_external_id=order_external_id).first()
        if first is not None:
            return first
    now = timezone.now()
    _check(coupon, member=member, order_total=total, now=now)
    coupon.uses += 1
    coupon.save(update_fields=["uses"])
    redemption = CouponRedemption.objects.create(
        coupon=coupon, member=member or coupon.member, order_external_id=order_external_id or "", order_total=total,
        discount=coupon.template.discount_for(total), redeemed_at=now,
    )
    coupon_redeemed.send(sender=CouponRedemption, redemption=redemption)
    return redemption


@transaction.atomic
def reward_redeem(*, member, reward, cause_key: str) -> Coupon:
    """Buy `reward` with points: one redeem entry and one coupon, both keyed by `cause_key`, in one transaction.

    Idempotent: a second call with the same key returns the first coupon. Raises DomainError
    `reward_unavailable`, `insufficient_points`, and what coupon_issue raises (then nothing is written).
    """
    _require_key(cause_key)
    account_lock(member=member)
    existing = Coupon.objects.filter(cause_key=f"reward:{cause_key}").first()
    if existing is not None:
        return existing
    if not reward.active or not reward.template.active:
        raise DomainError("This reward is not available.", code="reward_unavailable")
    points_redeem(member=member, points=reward.points_cost, reason=f"Reward: {reward.name}",
                  cause_key=f"reward:{cause_key}")
    return coupon_issue(template=reward.template, member=member, source="reward", cause_key=f"reward:{cause_key}")


__all__ = ["coupon_issue", "coupon_redeem", "coupon_validate", "reward_redeem"]
