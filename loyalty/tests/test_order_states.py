"""The order state machine and what leaving `completed` does to the ledger: an order is priced once (even at
zero points), leaving `completed` reverses what it earned less what expired unused, everything else is 409,
and check_ledger finds an order that is not completed but still holds points."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.exceptions import DomainError
from core.tests.factories import ApiKeyFactory, auth_header
from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import LedgerEntry, MemberAccount, Order, OrderStatus, PointsLot, ProgrammeSettings
from loyalty.selectors import ledger_mismatches, member_balance, orders_holding_points
from loyalty.services import order_return, order_upsert, points_expire_due, points_redeem
from loyalty.tests.factories import EarningRuleFactory, TierFactory

pytestmark = pytest.mark.django_db

LINES = [{"sku": "TEA", "quantity": "2", "unit_price": "300.00"}, {"sku": "CUP", "quantity": "1", "unit_price": "400.00"}]
FIVE_ROUBLES = [{"sku": "GUM", "quantity": "1", "unit_price": "5.00"}]


def upsert(member, *, external_id="W-1", status="completed", lines=LINES, total="1000.00"):
    return order_upsert(source="shop", external_id=external_id, member=member, created_at=timezone.now(),
                        status=status, total=total, currency="RUB", channel="web", store="", lines=lines)


def held(member):
    """What the member holds: available and pending points less debt."""
    balance = member_balance(member=member)
    return balance.available + balance.pending - balance.debt


def ledger_is_sound():
    return ledger_mismatches()[0] == [] and orders_holding_points() == []


@pytest.fixture
def base_rate():
    # 0.1 point per ₽, spendable at once (no return period)
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    return EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))


def expire_lot_of(order):
    """Let the order's lot lapse and run the daily pass (as if its expiry date had come)."""
    PointsLot.objects.filter(order=order).update(expires_on=shop_today() - dt.timedelta(days=1))
    points_expire_due(today=shop_today())


# --- the state machine -------------------------------------------------------------------------------

def order_in(member, state):
    """An order brought to `state` through the service, as a till would."""
    path = {
        "pending": ["pending"], "completed": ["completed"], "returned": ["completed", "returned"],
        "cancelled": ["completed", "cancelled"], "cancelled_unpaid": ["pending", "cancelled"],
    }[state]
    for status in path:
        order, _ = upsert(member, status=status)
    return order


@pytest.mark.parametrize("state, to, allowed", [
    ("pending", "pending", True), ("pending", "completed", True), ("pending", "cancelled", True),
    ("pending", "returned", False),
    ("completed", "completed", True), ("completed", "returned", True), ("completed", "cancelled", True),
    ("completed", "pending", False),
    ("returned", "returned", True), ("returned", "completed", False), ("returned", "pending", False),
    ("returned", "cancelled", False),
    ("cancelled", "cancelled", True), ("cancelled", "completed", False), ("cancelled", "pending", False),
    ("cancelled", "returned", False),
    ("cancelled_unpaid", "completed", False),
])
def test_every_status_change_is_allowed_or_refused_with_409_and_never_keeps_points(base_rate, state, to, allowed):
    # given an order in `state`
    member = MemberFactory()
    order = order_in(member, state)
    entries_before = LedgerEntry.objects.count()
    status_before = Order.objects.get(pk=order.pk).status
    # when the till sends it with status `to`
    if allowed:
        upsert(member, status=to)
    else:
        with pytest.raises(DomainError) as error:
            upsert(member, status=to)
        # then a refused change is a 409 with a stable code and writes nothing
        assert (error.value.code, error.value.http_status) == ("invalid_status_change", 409)
        assert LedgerEntry.objects.count() == entries_before
        assert Order.objects.get(pk=order.pk).status == status_before
    # then the member holds the order's 100 points exactly while it is completed, and the ledger is sound
    status_after = Order.objects.get(pk=order.pk).status
    assert held(member) == (100 if status_after == OrderStatus.COMPLETED else 0)
    assert ledger_is_sound()


def test_completed_then_pending_through_the_api_is_409_and_the_order_can_still_be_returned(settings):
    # given a till and a completed order that earned 150 points
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    MemberFactory(external_id="C100")
    till = ApiKeyFactory(rate_limit=1000)
    body = {"external_id": "O-1", "member": "C100", "created_at": "2026-11-20T12:00:00+03:00", "status": "completed",
            "total": "1500.00", "lines": [{"sku": "TEA-1", "quantity": "3", "unit_price": "500.00"}]}

    def post(path, data):
        from django.test import Client

        return Client().post(path, data, content_type="application/json", **auth_header(till))

    assert post("/api/v1/orders", body).status_code == 201
    # when the till sends it back to pending
    response = post("/api/v1/orders", {**body, "status": "pending"})
    # then it is refused with the JSON error body, and the order and its points are as they were
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_status_change"
    assert Order.objects.get(external_id="O-1").status == "completed"
    # when the order is then returned, the return takes its points back
    returned = post("/api/v1/orders/O-1/return", {"return_id": "R-1"})
    assert returned.status_code == 201 and returned.json()["order"]["status"] == "returned"
    assert sum(entry["points"] for entry in returned.json()["entries"]) == -150
    assert MemberAccount.objects.get(member__external_id="C100").pending_points == 0
    assert ledger_is_sound()


def test_returning_an_order_that_is_not_completed_is_409(base_rate):
    member = MemberFactory()
    order = order_in(member, "pending")
    with pytest.raises(DomainError) as error:
        order_return(order=order, cause_key="r-1")
    assert (error.value.code, error.value.http_status) == ("order_not_completed", 409)


# --- priced once ----------------------------------------------------------------------------------------

def test_an_order_that_earned_nothing_is_not_priced_again_after_a_rate_change(base_rate):
    # given a completed order whose one 5 ₽ line earns 0 points at 0.1 point per ₽
    member = MemberFactory()
    order, _ = upsert(member, lines=FIVE_ROUBLES, total="5.00")
    assert held(member) == 0 and Order.objects.get(pk=order.pk).earned_at is not None
    # when the rate goes up tenfold and the till sends the order again, unchanged
    base_rate.points_per_unit = Decimal("1")
    base_rate.save()
    upsert(member, lines=FIVE_ROUBLES, total="5.00")
    # then it still earned nothing
    assert held(member) == 0
    assert not LedgerEntry.objects.filter(order=order).exists()


def test_an_order_that_earned_nothing_is_not_priced_again_after_the_member_reached_a_double_tier(base_rate):
    # given a ×2 tier from 1,000 ₽ of spend, and a completed 5 ₽ order that earned 0 points
    TierFactory(slug="gold", rank=1, qualify_by="spend", threshold=Decimal("1000"), multiplier=Decimal("2"))
    member = MemberFactory()
    upsert(member, external_id="SMALL", lines=FIVE_ROUBLES, total="5.00")
    # when another order makes the member gold, and the small order is sent again
    upsert(member, external_id="BIG", lines=[{"sku": "TV", "quantity": "1", "unit_price": "2000.00"}],
           total="2000.00")
    assert MemberAccount.objects.get(member=member).tier.slug == "gold"
    upsert(member, external_id="SMALL", lines=FIVE_ROUBLES, total="5.00")
    # then only the big order earned (200 points at the old tier), the small one still nothing
    assert held(member) == 200
    assert not LedgerEntry.objects.filter(order__external_id="SMALL").exists()


def test_a_pending_order_is_priced_when_it_completes_and_then_never_again(base_rate):
    member = MemberFactory()
    order, _ = upsert(member, status="pending")
    assert Order.objects.get(pk=order.pk).earned_at is None
    upsert(member, status="completed")
    base_rate.points_per_unit = Decimal("1")
    base_rate.save()
    upsert(member, status="completed")
    assert held(member) == 100


# --- returns after expiry -------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["return", "status returned", "status cancelled"])
def test_a_return_after_the_orders_points_expired_unused_takes_nothing_from_other_points(base_rate, how):
    # given order A earned 100 points that expired unused, and order B's 50 points are still held
    member = MemberFactory()
    order_a, _ = upsert(member, external_id="A")
    upsert(member, external_id="B", lines=[{"sku": "PEN", "quantity": "1", "unit_price": "500.00"}])
    expire_lot_of(order_a)
    assert held(member) == 50
    # when order A is returned in full
    if how == "return":
        order_return(order=order_a, cause_key="r-a")
    else:
        upsert(member, external_id="A", status=how.split()[1])
    # then B's 50 points are untouched and nothing is owed: the expired points were lost once
    balance = member_balance(member=member)
    assert (balance.available, balance.pending, balance.debt) == (50, 0, 0)
    assert ledger_is_sound()


def test_returns_after_part_was_spent_and_the_rest_expired_take_back_only_what_was_spent(base_rate):
    # given an order that earned 100 (tea 60, cup 40); the member spent 30 and the other 70 expired
    member = MemberFactory()
    order, _ = upsert(member)
    points_redeem(member=member, points=30, reason="checkout", cause_key="spend")
    expire_lot_of(order)
    assert held(member) == 0
    # when the tea comes back: 60 due, of which 30/100 was of use to the member
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "2"}], cause_key="r-tea")
    # then 18 are taken back (as debt: nothing else is held)
    assert member_balance(member=member).debt == 18
    # when the cup comes back too, the whole order is back: 30 in all, what was spent
    order_return(order=order, lines=[{"sku": "CUP", "quantity": "1"}], cause_key="r-cup")
    assert member_balance(member=member).debt == 30
    assert Order.objects.get(pk=order.pk).status == "returned"
    assert ledger_is_sound()


def test_a_lot_that_expires_between_two_partial_returns_lowers_only_what_is_still_to_take(base_rate):
    # given an order that earned 100 (tea 60, cup 40), nothing spent
    member = MemberFactory()
    order, _ = upsert(member)
    # when the tea comes back (60 taken from the order's lot), then the other 40 expire, then the cup comes back
    order_return(order=order, lines=[{"sku": "TEA", "quantity": "2"}], cause_key="r-tea")
    assert held(member) == 40
    expire_lot_of(order)
    order_return(order=order, lines=[{"sku": "CUP", "quantity": "1"}], cause_key="r-cup")
    # then nothing more is taken and nothing is owed
    balance = member_balance(member=member)
    assert (balance.available, balance.pending, balance.debt) == (0, 0, 0)
    assert ledger_is_sound()


# --- check_ledger ---------------------------------------------------------------------------------------

def test_check_ledger_fails_on_an_order_that_is_not_completed_but_holds_points(base_rate, capsys):
    # given a completed order with 100 points, and the ledger sound
    member = MemberFactory()
    order, _ = upsert(member)
    call_command("check_ledger")
    # when the order is set to pending behind the services' back (as the old code path and imports did)
    Order.objects.filter(pk=order.pk).update(status="pending")
    # then check_ledger names it and fails with status 1
    with pytest.raises(CommandError) as error:
        call_command("check_ledger")
    assert "1 orders that are not completed hold points" in str(error.value)
    assert f"order shop/W-1 (id {order.pk}) is pending but still holds 100 points of member {member.pk}" \
        in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "check_ledger"])
    assert exit_info.value.code == 1


def test_check_ledger_counts_expired_points_and_debt_of_a_returned_order(base_rate):
    # given an order whose points were partly spent, partly expired, then returned (debt)
    member = MemberFactory()
    order, _ = upsert(member)
    points_redeem(member=member, points=30, reason="checkout", cause_key="spend")
    expire_lot_of(order)
    order_return(order=order, cause_key="r")
    # then it nets zero: +100 earned, −70 expired, 30 reversed as debt
    assert orders_holding_points() == []
    call_command("check_ledger")
    # when the reversal is altered by hand (30 owed becomes 10), the order is found holding 20 points
    LedgerEntry.objects.filter(order=order, kind="reverse").update(points=10)
    assert [row["net_points"] for row in orders_holding_points()] == [20]


# --- other paths that could move an order's status ------------------------------------------------------

def test_an_import_cannot_change_the_status_of_an_order_that_earned_points(base_rate, tmp_path):
    # given an order that earned 100 points through the API
    member = MemberFactory(external_id="C1")
    upsert(member, external_id="O1")
    # when a history import reports it returned
    path = tmp_path / "orders.csv"
    path.write_text("external_id,member_external_id,created_at,status,total\nO1,C1,2026-11-20 10:00:00,returned,1000\n",
                    encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_orders", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    # then the row is rejected: the order stays completed with its points, and the ledger is sound
    assert Order.objects.get(external_id="O1").status == "completed"
    assert held(member) == 100 and ledger_is_sound()


def test_staff_cannot_change_an_orders_status_or_lines_in_the_admin(base_rate, admin_client):
    # given a completed order that earned 100 points
    member = MemberFactory()
    order, _ = upsert(member)
    # when staff post its change form with another status
    url = f"/admin/loyalty/order/{order.pk}/change/"
    page = admin_client.get(url)
    form = {"source": "shop", "external_id": "W-1", "member": member.pk, "created_at_0": "2026-11-20",
            "created_at_1": "10:00:00", "status": "pending", "total": "1000.00", "currency": "RUB", "channel": "web",
            "store": "", "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "2", "returns-TOTAL_FORMS": "0",
            "returns-INITIAL_FORMS": "0"}
    admin_client.post(url, form)
    # then the status is not a field of the form, and the order and its lines are as they were
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    assert 'name="lines-0-quantity"' not in page.content.decode()
    assert Order.objects.get(pk=order.pk).status == "completed" and held(member) == 100
