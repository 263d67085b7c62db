import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from customers.models import ConsentRecord, Member
from customers.tests.factories import MemberFactory
from lifecycle.models import StageTransition
from loyalty.models import Coupon, LedgerEntry, MemberAccount, MemberMerge, Order, PointsLot
from loyalty.selectors import ledger_mismatches, member_balance
from loyalty.services import coupon_issue, member_merge, order_upsert, points_award_bonus, points_redeem
from loyalty.tests.factories import CouponTemplateFactory, EarningRuleFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_merge_moves_everything_to_the_survivor_and_counts_nothing_twice(admin_user):
    # given a web account and a store card of one person, each with orders, points, a coupon and consents
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    gold = TierFactory(slug="gold", rank=3)
    web = MemberFactory(email="anna@example.com", phone="")
    card = MemberFactory(email="", phone="+79990001122", card_number="C-1")
    for member, external_id in ((web, "W-1"), (card, "S-1")):
        order_upsert(source="shop", external_id=external_id, member=member, created_at=timezone.now(),
                     status="completed", total="1000.00", currency="RUB", channel="web", store="",
                     lines=[{"sku": "TEA", "quantity": "1", "unit_price": "1000.00"}])
    points_award_bonus(member=card, points=50, reason="b", cause_key="b")
    points_redeem(member=card, points=20, reason="r", cause_key="r")
    MemberAccount.objects.filter(member=card).update(tier=gold)
    coupon = coupon_issue(template=CouponTemplateFactory(), member=card, source="staff", cause_key="c")
    ConsentRecord.objects.create(member=card, purpose="sms", granted=True, occurred_at=timezone.now(), method="checkbox")
    StageTransition.objects.create(member=card, occurred_on=dt.date(2026, 1, 1), completed_orders=1)
    before = member_balance(member=web), member_balance(member=card)
    entries = LedgerEntry.objects.count()
    # when staff merge the card into the web account
    merge = member_merge(survivor=web, duplicate=card, staff_user=admin_user)
    # then all rows belong to the survivor, balances add up and the ledger still proves them
    assert not Member.objects.filter(pk=card.pk).exists()
    assert set(Order.objects.values_list("member_id", flat=True)) == {web.pk}
    assert LedgerEntry.objects.count() == entries and set(LedgerEntry.objects.values_list("member_id", flat=True)) == {web.pk}
    assert set(PointsLot.objects.values_list("member_id", flat=True)) == {web.pk}
    after = member_balance(member=web)
    assert after.pending == before[0].pending + before[1].pending
    assert after.available == before[0].available + before[1].available == 30
    assert ledger_mismatches()[0] == []
    assert Coupon.objects.get(pk=coupon.pk).member_id == web.pk
    web.refresh_from_db()
    assert web.phone == "+79990001122" and web.card_number == "C-1" and web.sms_consent
    assert StageTransition.objects.get().member_id == web.pk
    assert MemberAccount.objects.get(member=web).tier == gold
    assert merge.duplicate_external_id == card.external_id and merge.merged_by == admin_user
    assert merge.moved["loyalty.Order"] == 1


def test_a_member_cannot_be_merged_into_itself():
    member = MemberFactory()
    with pytest.raises(DomainError) as error:
        member_merge(survivor=member, duplicate=member)
    assert error.value.code == "same_member"
    assert not MemberMerge.objects.exists()


def test_a_member_that_absorbed_others_can_itself_be_merged():
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    member_merge(survivor=b, duplicate=c)
    member_merge(survivor=a, duplicate=b)
    assert list(MemberMerge.objects.values_list("survivor_id", flat=True)) == [a.pk, a.pk]
