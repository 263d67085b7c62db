"""A random walk over the ledger on PostgreSQL, checked after every step against an independent model.

Hypothesis drives `loyalty.services` with random status changes, partial and full returns, replays (the
same external id sent again, the same return id sent again), base-rate changes, spending, the daily unlock
and lots lapsing. A small model of the README's rules (one lot per order, FIFO spending, debt, returns less
what expired unused) predicts every answer and balance. After each step: the cached balances equal the
bucket sums and the lots, nothing is negative, every order that is not completed nets zero, and the
member's available, pending and debt points equal the model's.

Profiles: `ledger-ci` (default, bounded to stay well under a minute) and `ledger-deep` (LEDGER_MODEL_PROFILE
=ledger-deep) for a longer search.
"""
import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.exceptions import DomainError
from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import MemberAccount, Order, PointsLot, ProgrammeSettings
from loyalty.selectors import ledger_mismatches, orders_holding_points
from loyalty.services import order_return, order_upsert, points_expire_due, points_redeem, points_unlock_due
from loyalty.tests.factories import EarningRuleFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}
settings.register_profile("ledger-ci", max_examples=30, stateful_step_count=30, **_common)
settings.register_profile("ledger-deep", max_examples=1000, stateful_step_count=50, **_common)

RETURN_PERIOD_DAYS = 14
# At 0.1 point per ₽ gum and pens earn nothing or a point or two: zero-point orders are common.
PRICES = {"GUM": Decimal("5.00"), "PEN": Decimal("9.90"), "TEA": Decimal("300.00"), "TV": Decimal("2000.00")}
QUANTITIES = [Decimal("1"), Decimal("2"), Decimal("3"), Decimal("0.5")]
ORDER_IDS = ["A", "B", "C"]
STATUSES = ["pending", "completed", "returned", "cancelled"]
ALLOWED = {"pending": {"completed", "cancelled"}, "completed": {"returned", "cancelled"}, "returned": set(),
           "cancelled": set()}

RATES = st.sampled_from([Decimal("0"), Decimal("0.1"), Decimal("1")])  # 0: a paused programme
baskets = st.dictionaries(st.sampled_from(sorted(PRICES)), st.sampled_from(QUANTITIES), min_size=1, max_size=3)


# --- the model ----------------------------------------------------------------------------------------

@dataclass
class Lot:
    order: str
    remaining: int
    state: str  # pending, available, expired


@dataclass
class ModelOrder:
    status: str
    lines: dict  # sku → quantity
    returned: dict = field(default_factory=dict)  # sku → quantity returned
    priced: bool = False
    line_points: dict = field(default_factory=dict)
    earned: int = 0
    taken_back: int = 0
    expired: int = 0
    return_ids: set = field(default_factory=set)


class LedgerModel:
    """The programme's rules for one member, written from the README, not from the services."""

    def __init__(self, rate):
        self.rate, self.orders, self.lots, self.debt = rate, {}, [], 0

    def balance(self, state):
        return sum(lot.remaining for lot in self.lots if lot.state == state)

    def _earn(self, name, order):
        order.priced = True
        for sku, quantity in order.lines.items():
            points = int((quantity * PRICES[sku] * self.rate).to_integral_value(rounding=ROUND_DOWN))
            if points > 0:
                order.line_points[sku] = points
        order.earned = sum(order.line_points.values())
        if order.earned:
            paid = min(self.debt, order.earned)  # debt is paid off from new points first
            self.debt -= paid
            self.lots.append(Lot(order=name, remaining=order.earned - paid, state="pending"))

    def _take_back(self, name, points):
        own = [lot for lot in self.lots if lot.order == name and lot.state != "expired"]
        others = [lot for lot in self.lots if lot.order != name and lot.state == "available"]
        for lot in own + others:
            taken = min(lot.remaining, points)
            lot.remaining -= taken
            points -= taken
        self.debt += points

    def _settle_return(self, name, order, whole):
        if whole:
            due = order.earned
        else:
            due = sum(int(Decimal(order.line_points.get(sku, 0)) * order.returned.get(sku, 0) / quantity)
                      for sku, quantity in order.lines.items())
        of_use = due * (order.earned - order.expired) // order.earned if order.earned else 0
        take = of_use - order.taken_back
        if take > 0:
            order.taken_back += take
            self._take_back(name, take)

    def upsert(self, name, status, lines) -> str | None:
        order = self.orders.get(name)
        if order is None:
            order = self.orders[name] = ModelOrder(status=status, lines=dict(lines))
            if status == "completed":
                self._earn(name, order)
            return None
        if status != order.status and status not in ALLOWED[order.status]:
            return "invalid_status_change"
        if order.status == "pending" and not order.priced:
            order.lines, order.returned = dict(lines), {}
        if status != order.status:
            leaving = order.status == "completed"
            order.status = status
            if leaving:
                order.returned = dict(order.lines)
                self._settle_return(name, order, whole=True)
        if order.status == "completed" and not order.priced:
            self._earn(name, order)
        return None

    def return_(self, name, return_id, lines) -> str | None:
        order = self.orders[name]
        if return_id in order.return_ids:
            return None  # a replay
        if order.status != "completed":
            return "order_not_completed"
        if lines is not None and any(quantity > order.lines[sku] - order.returned.get(sku, 0)
                                     for sku, quantity in lines.items()):
            return "return_exceeds_quantity"
        order.return_ids.add(return_id)
        for sku, quantity in (lines or {sku: q - order.returned.get(sku, 0) for sku, q in order.lines.items()}).items():
            order.returned[sku] = order.returned.get(sku, 0) + quantity
        whole = all(order.returned.get(sku, 0) >= quantity for sku, quantity in order.lines.items())
        self._settle_return(name, order, whole)
        if whole:
            order.status = "returned"
        return None

    def spend(self, points) -> str | None:
        if points > self.balance("available"):
            return "insufficient_points"
        for lot in self.lots:
            if lot.state == "available":
                taken = min(lot.remaining, points)
                lot.remaining -= taken
                points -= taken
        return None

    def unlock(self):
        for lot in self.lots:
            if lot.state == "pending":
                lot.state = "available"

    def expire(self, lot):
        self.orders[lot.order].expired += lot.remaining
        lot.remaining, lot.state = 0, "expired"


# --- the walk -----------------------------------------------------------------------------------------

class LedgerWalk(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()  # each walk starts from the same empty programme
        ProgrammeSettings.objects.update_or_create(pk=1, defaults={
            "return_period_days": RETURN_PERIOD_DAYS, "validity_kind": "rolling_days", "validity_days": 365,
            "per_order_cap": None, "daily_cap": None, "weekly_cap": None, "monthly_cap": None})
        self.rule_row = EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))
        self.member = MemberFactory()
        self.model = LedgerModel(Decimal("0.1"))
        self.sent = {}  # order → (status, lines) last accepted

    @initialize(rate=RATES)
    def start_at_a_rate(self, rate):
        self.change_rate(rate)

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def _expect(self, expected_code, call):
        try:
            call()
        except DomainError as error:
            assert error.code == expected_code, f"service refused with {error.code}, model expected {expected_code}"
        else:
            assert expected_code is None, f"service accepted, model expected {expected_code}"

    def _upsert(self, name, status, lines):
        def call():
            order_upsert(source="shop", external_id=name, member=self.member, created_at=timezone.now(),
                         status=status, currency="RUB", channel="store", lines=[
                             {"sku": sku, "quantity": str(quantity), "unit_price": str(PRICES[sku])}
                             for sku, quantity in lines.items()],
                         total=str(sum(quantity * PRICES[sku] for sku, quantity in lines.items())))
        expected = self.model.upsert(name, status, lines)
        self._expect(expected, call)
        if expected is None:
            self.sent[name] = (status, lines)

    @rule(name=st.sampled_from(ORDER_IDS), status=st.sampled_from(STATUSES), lines=baskets)
    def send_order(self, name, status, lines):
        self._upsert(name, status, lines)

    @rule(pick=st.integers(min_value=0, max_value=5))
    def send_an_order_again_unchanged(self, pick):
        if self.sent:
            name = sorted(self.sent)[pick % len(self.sent)]
            self._upsert(name, *self.sent[name])

    @rule(pick=st.integers(min_value=0, max_value=5), return_id=st.sampled_from(["R1", "R2", "R3"]),
          part=st.none() | st.dictionaries(st.sampled_from(sorted(PRICES)), st.sampled_from(QUANTITIES),
                                           min_size=1, max_size=2))
    def return_an_order(self, pick, return_id, part):
        if not self.model.orders:
            return
        name = sorted(self.model.orders)[pick % len(self.model.orders)]
        order = self.model.orders[name]
        lines = None if part is None else {sku: quantity for sku, quantity in part.items() if sku in order.lines}
        if lines == {}:
            return
        stored = Order.objects.get(source="shop", external_id=name)
        expected = self.model.return_(name, return_id, lines)
        self._expect(expected, lambda: order_return(
            order=stored, cause_key=f"order:{stored.pk}:return:{return_id}",
            lines=None if lines is None else [{"sku": sku, "quantity": str(q)} for sku, q in lines.items()]))

    @rule(rate=RATES)
    def change_rate(self, rate):
        self.rule_row.points_per_unit = rate
        self.rule_row.save()
        self.model.rate = rate

    @rule(points=st.sampled_from([1, 7, 50, 300]))
    def spend(self, points):
        self._expect(self.model.spend(points), lambda: points_redeem(
            member=self.member, points=points, reason="checkout", cause_key=f"spend:{os.urandom(6).hex()}"))

    @rule()
    def daily_unlock_after_the_return_period(self):
        points_unlock_due(today=shop_today() + dt.timedelta(days=RETURN_PERIOD_DAYS))
        self.model.unlock()

    @rule(pick=st.integers(min_value=0, max_value=10))
    def a_lot_lapses(self, pick):
        live = [lot for lot in self.model.lots if lot.state != "expired"]
        if not live:
            return
        lot = live[pick % len(live)]
        PointsLot.objects.filter(order__source="shop", order__external_id=lot.order, member=self.member).update(
            expires_on=shop_today() - dt.timedelta(days=1))
        points_expire_due(today=shop_today())
        self.model.expire(lot)

    @invariant()
    def ledger_agrees_with_itself_and_with_the_model(self):
        mismatches, _ = ledger_mismatches()
        assert mismatches == [], mismatches
        assert orders_holding_points() == [], orders_holding_points()
        account = MemberAccount.objects.filter(member=self.member).first()
        actual = (account.available_points, account.pending_points, account.debt_points) if account else (0, 0, 0)
        expected = (self.model.balance("available"), self.model.balance("pending"), self.model.debt)
        assert min(actual) >= 0
        assert actual == expected, f"(available, pending, debt) {actual} != model {expected}"
        statuses = dict(Order.objects.filter(member=self.member).values_list("external_id", "status"))
        assert statuses == {name: order.status for name, order in self.model.orders.items()}


def test_random_walks_of_orders_returns_and_expiry_keep_the_ledger_equal_to_the_model():
    run_state_machine_as_test(LedgerWalk, settings=settings.get_profile(os.environ.get("LEDGER_MODEL_PROFILE",
                                                                                       "ledger-ci")))
