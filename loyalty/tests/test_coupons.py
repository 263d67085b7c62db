import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from core.testing.parallel import errors_of, run_at_once
from customers.tests.factories import MemberFactory
from loyalty.models import Coupon, CouponRedemption, LedgerEntry
from loyalty.selectors import member_balance, member_coupons, rewards_available
from loyalty.services import coupon_issue, coupon_redeem, coupon_validate, points_award_bonus, reward_redeem
from loyalty.signals import coupon_issued
from loyalty.tests.factories import CouponTemplateFactory, RewardFactory

pytestmark = pytest.mark.django_db


def test_issue_is_idempotent_and_codes_are_unguessable():
    template = CouponTemplateFactory()
    member = MemberFactory()
    sent = []
    receiver = lambda sender, coupon, **kw: sent.append(coupon.pk)  # noqa: E731
    coupon_issued.connect(receiver)
    try:
        first = coupon_issue(template=template, member=member, source="staff", cause_key="k1")
        again = coupon_issue(template=template, member=member, source="staff", cause_key="k1")
    finally:
        coupon_issued.disconnect(receiver)
    assert again.pk == first.pk and sent == [first.pk]
    codes = {coupon_issue(template=template, member=None, source="staff", cause_key=f"b{i}").code for i in range(50)}
    assert len(codes) == 50 and all(len(code) == 12 for code in codes)


def test_per_member_limit():
    template = CouponTemplateFactory(per_member_limit=1)
    member = MemberFactory()
    coupon_issue(template=template, member=member, source="staff", cause_key="a")
    with pytest.raises(DomainError) as error:
        coupon_issue(template=template, member=member, source="staff", cause_key="b")
    assert error.value.code == "coupon_limit_reached"


@pytest.mark.parametrize("case, code", [
    ("unknown", "coupon_not_found"), ("foreign", "coupon_foreign"), ("expired", "coupon_expired"),
    ("min_order", "coupon_min_order"), ("used", "coupon_used"), ("negative_total", "invalid_amount"),
])
def test_redeem_refuses_bad_coupons_and_writes_nothing(case, code):
    owner = MemberFactory()
    coupon = coupon_issue(template=CouponTemplateFactory(min_order_total=Decimal("1000")), member=owner,
                          source="staff", cause_key="c")
    kwargs = {"code": coupon.code, "member": owner, "order_total": Decimal("1500")}
    if case == "unknown":
        kwargs["code"] = "NOPE"
    elif case == "foreign":
        kwargs["member"] = MemberFactory()
    elif case == "expired":
        Coupon.objects.filter(pk=coupon.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif case == "min_order":
        kwargs["order_total"] = Decimal("999.99")
    elif case == "used":
        coupon_redeem(code=coupon.code, member=owner, order_total=Decimal("1500"), order_external_id="first")
    elif case == "negative_total":
        kwargs["order_total"] = Decimal("-1")
    before = CouponRedemption.objects.count()
    with pytest.raises(DomainError) as error:
        coupon_redeem(**kwargs)
    assert error.value.code == code
    with pytest.raises(DomainError):
        coupon_validate(**kwargs)
    assert CouponRedemption.objects.count() == before


def test_redeem_computes_the_discount_and_replays_for_the_same_order():
    coupon = coupon_issue(template=CouponTemplateFactory(discount_kind="percent", discount_value=Decimal("15"), max_uses=2),
                          member=None, source="staff", cause_key="p")
    assert coupon_validate(code=coupon.code.lower(), order_total="200.00") == coupon
    first = coupon_redeem(code=coupon.code, order_total=Decimal("200.00"), order_external_id="O-1")
    again = coupon_redeem(code=coupon.code, order_total=Decimal("200.00"), order_external_id="O-1")
    assert first.pk == again.pk and first.discount == Decimal("30.00")
    coupon.refresh_from_db()
    assert coupon.uses == 1


def test_member_coupons_by_state():
    member = MemberFactory()
    template = CouponTemplateFactory()
    active = coupon_issue(template=template, member=member, source="staff", cause_key="a")
    used = coupon_issue(template=template, member=member, source="staff", cause_key="u")
    expired = coupon_issue(template=template, member=member, source="staff", cause_key="e")
    coupon_redeem(code=used.code, member=member, order_total=Decimal("500"))
    Coupon.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert list(member_coupons(member=member, state="active")) == [active]
    assert list(member_coupons(member=member, state="used")) == [used]
    assert list(member_coupons(member=member, state="expired")) == [expired]


def test_reward_buys_a_coupon_with_points_once_per_key():
    member = MemberFactory()
    reward = RewardFactory(points_cost=500)
    expensive = RewardFactory(points_cost=5000)
    points_award_bonus(member=member, points=800, reason="start", cause_key="start")
    assert list(rewards_available(member=member)) == [reward]
    coupon = reward_redeem(member=member, reward=reward, cause_key="buy-1")
    again = reward_redeem(member=member, reward=reward, cause_key="buy-1")
    assert again.pk == coupon.pk and coupon.member == member and coupon.template == reward.template
    assert member_balance(member=member).available == 300
    with pytest.raises(DomainError) as error:
        reward_redeem(member=member, reward=expensive, cause_key="buy-2")
    assert error.value.code == "insufficient_points"
    assert Coupon.objects.filter(member=member).count() == 1
    assert LedgerEntry.objects.filter(member=member, kind="redeem").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_single_use_coupon_is_redeemed_once_under_parallel_requests():
    # given one single-use coupon
    coupon = coupon_issue(template=CouponTemplateFactory(max_uses=1), member=None, source="staff", cause_key="race")

    # when 20 tills redeem it at the same moment for different orders
    outcomes = run_at_once(
        20, lambda i: coupon_redeem(code=coupon.code, order_total=Decimal("1000"), order_external_id=f"O-{i}")
    )
    # then exactly one succeeds
    assert errors_of(outcomes, DomainError) == []
    results = [o.code if isinstance(o, DomainError) else "ok" for o in outcomes]
    assert results.count("ok") == 1 and results.count("coupon_used") == 19
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1
