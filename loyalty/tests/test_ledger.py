import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum

from core.exceptions import DomainError
from core.testing.parallel import errors_of, run_at_once
from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import LedgerEntry, LotState, MemberAccount, PointsLot
from loyalty.selectors import ledger_mismatches, member_balance
from loyalty.services import points_adjust, points_award_bonus, points_daily, points_redeem

pytestmark = pytest.mark.django_db


def _ledger_matches_cache():
    mismatches, _ = ledger_mismatches()
    return mismatches == []


def test_bonus_is_idempotent_by_cause_key():
    member = MemberFactory()
    first = points_award_bonus(member=member, points=100, reason="Welcome", cause_key="welcome:1")
    again = points_award_bonus(member=member, points=100, reason="Welcome", cause_key="welcome:1")
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(member=member).count() == 1
    assert member_balance(member=member).available == 100


def test_redeem_spends_the_oldest_expiring_lot_first():
    # given two lots, the later-created one expiring sooner
    member = MemberFactory()
    today = shop_today()
    late = points_award_bonus(member=member, points=100, reason="a", cause_key="a", expires_on=today + dt.timedelta(days=90))
    soon = points_award_bonus(member=member, points=100, reason="b", cause_key="b", expires_on=today + dt.timedelta(days=10))
    # when 150 points are spent
    points_redeem(member=member, points=150, reason="checkout", cause_key="r1")
    # then the soon-expiring lot is emptied first
    assert PointsLot.objects.get(entry=soon).remaining == 0
    assert PointsLot.objects.get(entry=late).remaining == 50
    assert member_balance(member=member).available == 50
    assert _ledger_matches_cache()


@pytest.mark.parametrize("points", [0, -5, 1.5, True])
def test_bad_amounts_raise_and_write_nothing(points):
    member = MemberFactory()
    with pytest.raises(DomainError) as error:
        points_redeem(member=member, points=points, reason="x", cause_key="bad")
    assert error.value.code == "invalid_points"
    assert not LedgerEntry.objects.exists()


def test_redeeming_more_than_available_raises_insufficient_points():
    member = MemberFactory()
    points_award_bonus(member=member, points=100, reason="a", cause_key="a")
    with pytest.raises(DomainError) as error:
        points_redeem(member=member, points=101, reason="x", cause_key="too-much")
    assert error.value.code == "insufficient_points"
    assert LedgerEntry.objects.filter(member=member).count() == 1
    assert member_balance(member=member).available == 100


def test_unknown_member_raises():
    with pytest.raises(DomainError) as error:
        points_award_bonus(member=None, points=1, reason="x", cause_key="k")
    assert error.value.code == "unknown_member"


def test_staff_adjustment_needs_a_reason_and_never_goes_negative(admin_user):
    member = MemberFactory()
    points_adjust(member=member, points=40, reason="Goodwill", staff_user=admin_user)
    with pytest.raises(DomainError) as error:
        points_adjust(member=member, points=-41, reason="Correction", staff_user=admin_user)
    assert error.value.code == "insufficient_points"
    with pytest.raises(DomainError):
        points_adjust(member=member, points=5, reason=" ", staff_user=admin_user)
    entry = points_adjust(member=member, points=-40, reason="Correction", staff_user=admin_user)
    assert entry.staff_user == admin_user and member_balance(member=member).available == 0


def test_daily_pass_expires_what_is_left_of_lapsed_lots_only():
    # given a lot that lapsed yesterday, partly spent, and one still valid
    member = MemberFactory()
    today = shop_today()
    old = points_award_bonus(member=member, points=100, reason="a", cause_key="a", expires_on=today - dt.timedelta(days=1))
    points_award_bonus(member=member, points=70, reason="b", cause_key="b", expires_on=today + dt.timedelta(days=30))
    points_redeem(member=member, points=30, reason="x", cause_key="r")  # from the old lot first
    # when the daily pass runs twice
    points_daily(today=today)
    points_daily(today=today)
    # then the 70 left of the old lot expired once; the valid lot stands
    expiry = LedgerEntry.objects.get(member=member, kind="expire")
    assert expiry.points == -70 and expiry.cause_key == f"expire:lot:{PointsLot.objects.get(entry=old).pk}"
    assert PointsLot.objects.get(entry=old).state == LotState.EXPIRED
    assert member_balance(member=member).available == 70
    assert _ledger_matches_cache()


def test_check_ledger_passes_then_fails_on_a_tampered_cache():
    member = MemberFactory()
    points_award_bonus(member=member, points=10, reason="a", cause_key="a")
    call_command("check_ledger")
    MemberAccount.objects.filter(member=member).update(available_points=11)
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "check_ledger"])
    assert exit_info.value.code == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_connections_cannot_overspend():
    # given one member with 1,000 points
    member = MemberFactory()
    points_award_bonus(member=member, points=1000, reason="start", cause_key="start")

    # when 50 connections each try to spend 70 at the same moment
    outcomes = run_at_once(
        50, lambda i: points_redeem(member=member, points=70, reason="race", cause_key=f"race:{i}").points
    )
    # then exactly 14 succeed (980 points), the rest are refused, and nothing is negative
    assert errors_of(outcomes, DomainError) == []
    succeeded = [-points for points in outcomes if not isinstance(points, Exception)]
    refused = [o.code for o in outcomes if isinstance(o, DomainError)]
    assert sum(succeeded) <= 1000 and len(succeeded) == 14
    assert set(refused) == {"insufficient_points"} and len(refused) == 36
    account = MemberAccount.objects.get(member=member)
    assert account.available_points == 20
    assert LedgerEntry.objects.filter(member=member).aggregate(s=Sum("points"))["s"] == 20
    assert not MemberAccount.objects.filter(available_points__lt=0).exists()
    assert not PointsLot.objects.filter(remaining__lt=0).exists()
