import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from core.testing.parallel import errors_of, run_at_once
from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import LedgerEntry, Order, ProgrammeSettings
from loyalty.selectors import ledger_mismatches, member_balance
from loyalty.services import order_return, order_upsert, points_daily, points_redeem
from loyalty.signals import points_earned
from loyalty.tests.factories import CategoryFactory, EarningRuleFactory, ProductFactory, TierFactory

pytestmark = pytest.mark.django_db

LINES = [{"sku": "TEA", "quantity": "2", "unit_price": "300.00"}, {"sku": "CUP", "quantity": "1", "unit_price": "400.00"}]


def upsert(member, *, external_id="W-1", status="completed", lines=LINES, total="1000.00", currency="RUB",
           created_at=None):
    return order_upsert(source="shop", external_id=external_id, member=member, created_at=created_at or timezone.now(),
                        status=status, total=total, currency=currency, channel="web", store="", lines=lines)


def earned(member):
    b = member_balance(member=member)
    return b.available + b.pending


@pytest.fixture
def base_rate():
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    return EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))


def test_same_order_twice_earns_once(base_rate):
    member = MemberFactory()
    order, created = upsert(member)
    again, created_again = upsert(member)
    assert created and not created_again and again.pk == order.pk
    assert earned(member) == 100
    assert LedgerEntry.objects.filter(order=order, kind="earn").count() == 1


def test_earning_waits_until_the_order_is_completed(base_rate):
    member = MemberFactory()
    upsert(member, status="pending")
    assert earned(member) == 0
    upsert(member, status="completed")
    assert earned(member) == 100


def test_tier_multiplier_category_product_and_promotion_bonuses_multiply(base_rate):
    # given gold (×1.5), tea category ×2, cup product ×3 and a double-points weekend today
    member = MemberFactory()
    from loyalty.models import MemberAccount

    MemberAccount.objects.create(member=member, tier=TierFactory(slug="gold", multiplier=Decimal("1.5")))
    tea = ProductFactory(sku="TEA", category=CategoryFactory(name="Tea"))
    cup = ProductFactory(sku="CUP")
    EarningRuleFactory(kind="category", category=tea.category, multiplier=Decimal("2"))
    EarningRuleFactory(kind="product", product=cup, multiplier=Decimal("3"))
    EarningRuleFactory(kind="promotion", multiplier=Decimal("2"), starts_on=shop_today(), ends_on=shop_today())
    EarningRuleFactory(kind="promotion", multiplier=Decimal("5"), starts_on=shop_today() - dt.timedelta(days=9),
                       ends_on=shop_today() - dt.timedelta(days=2))  # over: ignored
    # when an order of 600 tea and 400 cups completes
    order, _ = upsert(member)
    # then tea earns 600×0.1×1.5×2×2 = 360 and cups 400×0.1×1.5×3×2 = 360
    entry = LedgerEntry.objects.get(order=order, cause_key__endswith=":earn")
    assert entry.details["lines"] == {str(tea.pk): 360, str(cup.pk): 360}
    assert entry.points == 720


def test_a_category_rule_applies_to_products_in_its_subcategories(base_rate):
    # given ×2 on "Чай", tea filed under Чай/Зелёный, and cups in the root "Чайная посуда"
    tea_root = CategoryFactory(name="Чай")
    tea = ProductFactory(sku="TEA", category=CategoryFactory(name="Зелёный", parent=tea_root))
    cup = ProductFactory(sku="CUP", category=CategoryFactory(name="Чайная посуда"))
    EarningRuleFactory(kind="category", category=tea_root, multiplier=Decimal("2"))
    member = MemberFactory()
    # when an order of 600 tea and 400 cups completes
    order, _ = upsert(member)
    # then tea earns 600×0.1×2 = 120, cups only the base 40
    entry = LedgerEntry.objects.get(order=order, cause_key__endswith=":earn")
    assert entry.details["lines"] == {str(tea.pk): 120, str(cup.pk): 40}


def test_per_order_and_per_day_caps(base_rate):
    ProgrammeSettings.objects.filter(pk=1).update(per_order_cap=80, daily_cap=120)
    member = MemberFactory()
    upsert(member, external_id="A")
    assert earned(member) == 80  # 100 capped per order
    upsert(member, external_id="B")
    assert earned(member) == 120  # only 40 left of the day's cap


def test_first_purchase_birthday_and_referral_bonuses(base_rate):
    EarningRuleFactory(kind="first_purchase", bonus_points=50, points_per_unit=0)
    EarningRuleFactory(kind="birthday", bonus_points=30, points_per_unit=0)
    EarningRuleFactory(kind="referral", bonus_points=20, referral_beneficiary="both", points_per_unit=0)
    referrer = MemberFactory()
    member = MemberFactory(referred_by=referrer, birth_date=dt.date(1990, shop_today().month, 1))
    upsert(member, external_id="A")
    upsert(member, external_id="B")
    # base 100+100, first purchase 50 once, birthday 30 once a year, referral 20 for both
    assert earned(member) == 200 + 50 + 30 + 20
    assert earned(referrer) == 20


def test_points_earned_signal_is_sent_inside_the_transaction(base_rate):
    received = []

    def receiver(sender, member, entry, **kwargs):
        from django.db import connection

        received.append((member.pk, entry.points, connection.in_atomic_block))

    points_earned.connect(receiver)
    try:
        member = MemberFactory()
        upsert(member)
    finally:
        points_earned.disconnect(receiver)
    assert received == [(member.pk, 100, True)]


@pytest.mark.parametrize("field, value, code", [
    ("currency", "EUR", "currency_mismatch"), ("total", "-1", "invalid_amount"),
    ("lines", [{"sku": "TEA", "quantity": "0", "unit_price": "1"}], "invalid_amount"),
])
def test_bad_orders_raise_and_write_nothing(base_rate, field, value, code):
    member = MemberFactory()
    with pytest.raises(DomainError) as error:
        upsert(member, **{field: value})
    assert error.value.code == code
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()


def test_an_order_of_another_member_is_refused(base_rate):
    upsert(MemberFactory())
    intruder = MemberFactory()
    with pytest.raises(DomainError) as error:
        upsert(intruder)
    assert error.value.code == "order_member_mismatch"
    assert earned(intruder) == 0


def test_partial_return_reverses_exactly_what_the_lines_earned(base_rate):
    member = MemberFactory()
    order, _ = upsert(member)  # TEA 600 → 60, CUP 400 → 40
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "1"}], cause_key="ret-1")
    assert earned(member) == 70
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "1"}], cause_key="ret-2")
    assert earned(member) == 40
    # a replay of a return changes nothing
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "1"}], cause_key="ret-2")
    assert earned(member) == 40
    with pytest.raises(DomainError) as error:
        order_return(order=order, lines=[{"sku": "TEA", "quantity": "1"}], cause_key="ret-3")
    assert error.value.code == "return_exceeds_quantity"
    order_return(order=order, lines=[{"sku": "CUP", "quantity": "1"}], cause_key="ret-4")
    order.refresh_from_db()
    assert earned(member) == 0 and order.status == "returned"
    assert ledger_mismatches()[0] == []


def test_return_of_spent_points_leaves_debt_that_later_earning_pays_first(base_rate):
    # given an order earned 100 points and the member spent 90 of them
    member = MemberFactory()
    order, _ = upsert(member)
    points_daily(today=shop_today())
    points_redeem(member=member, points=90, reason="checkout", cause_key="spend")
    # when the whole order is returned
    order_return(order=order, cause_key="full")
    # then the 10 left are taken back and 90 are owed; the balance is not negative
    balance = member_balance(member=member)
    assert (balance.available, balance.pending, balance.debt) == (0, 0, 90)
    # when a later order earns 100, the debt is paid off first
    upsert(member, external_id="W-2")
    balance = member_balance(member=member)
    assert (balance.available + balance.pending, balance.debt) == (10, 0)
    assert ledger_mismatches()[0] == []


def test_status_returned_reverses_in_full(base_rate):
    member = MemberFactory()
    upsert(member)
    upsert(member, status="returned")
    assert earned(member) == 0
    with pytest.raises(DomainError) as error:
        upsert(member, status="completed")
    assert error.value.code == "invalid_status_change"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_order_sent_by_twenty_parallel_connections_earns_once():
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    created = run_at_once(20, lambda _: upsert(member)[1])
    assert errors_of(created) == []
    assert created.count(True) == 1 and Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="earn").count() == 1 and earned(member) == 100


def test_a_replayed_return_that_reversed_no_points_returns_nothing_twice():
    # given an order that earned nothing (no earning rule)
    member = MemberFactory()
    order, _ = upsert(member)
    # when the same partial return is sent twice
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "1"}], cause_key="r-1")
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "1"}], cause_key="r-1")
    # then one unit is returned, once
    assert order.lines.get(product__sku="TEA").returned_quantity == 1
    assert order.returns.get().lines == {"TEA": "1"}
