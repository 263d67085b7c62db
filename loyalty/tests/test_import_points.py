import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from core.testing.parallel import errors_of, run_at_once
from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import LedgerEntry, MemberAccount, PointsLot
from loyalty.selectors import ledger_mismatches
from loyalty.services import points_expire_due, points_redeem
from loyalty.services.carry_over import OpeningBalance, points_open_balances

pytestmark = pytest.mark.django_db

HEADER = "row_id,member_external_id,points,expires_on"


def write(tmp_path, *lines):
    path = tmp_path / "points.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(command, path=None, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *([str(path)] if path else []), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def days(n):
    return (shop_today() + dt.timedelta(days=n)).isoformat()


def available(member):
    return MemberAccount.objects.get(member=member).available_points


def test_each_row_is_one_opening_entry_and_a_lot_with_its_own_expiry_and_the_ledger_checks(tmp_path):
    # given two members of the previous programme, one with two lots
    anna, boris = MemberFactory(external_id="C1"), MemberFactory(external_id="C2")
    path = write(tmp_path, HEADER, f"P1,C1,500,{days(30)}", f"P2,C1,1 200,{days(200)}", "P3,C2,300,")
    # when
    out, _, error = run("import_points", path, "--batch-size", "2")
    # then
    assert error is None and "created 3" in out
    assert (available(anna), available(boris)) == (1700, 300)
    entries = LedgerEntry.objects.order_by("cause_key")
    assert [(e.cause_key, e.kind, e.points) for e in entries] == [
        ("import:points:P1", "opening", 500), ("import:points:P2", "opening", 1200), ("import:points:P3", "opening", 300)]
    assert sorted(PointsLot.objects.filter(member=anna).values_list("points", "expires_on")) == [
        (500, shop_today() + dt.timedelta(days=30)), (1200, shop_today() + dt.timedelta(days=200))]
    assert PointsLot.objects.get(member=boris).expires_on == shop_today() + dt.timedelta(days=365)  # programme default
    out, _, error = run("check_ledger")
    assert error is None and "All 2 accounts match the ledger" in out


def test_reimporting_the_file_writes_nothing(tmp_path):
    # given a file imported once
    anna = MemberFactory(external_id="C1")
    path = write(tmp_path, HEADER, f"P1,C1,500,{days(30)}", "P2,C1,200,")
    run("import_points", path)
    # when it is imported again
    out, _, error = run("import_points", path)
    # then
    assert error is None and "created 0, updated 0, unchanged 2" in out
    assert available(anna) == 700
    assert LedgerEntry.objects.count() == 2 and PointsLot.objects.count() == 2


def test_imported_lots_are_spent_oldest_expiry_first_and_expire_on_their_own_date(tmp_path):
    # given a lot expiring in 10 days and one in 100 days
    anna = MemberFactory(external_id="C1")
    run("import_points", write(tmp_path, HEADER, f"P2,C1,1000,{days(100)}", f"P1,C1,400,{days(10)}"))
    # when 300 points are spent and the daily pass runs after the first lot's date
    points_redeem(member=anna, points=300, reason="Purchase", cause_key="redeem-1")
    points_expire_due(today=shop_today() + dt.timedelta(days=11))
    # then the 100 left of the early lot expired and the later lot is whole
    assert available(anna) == 1000
    assert LedgerEntry.objects.get(kind="expire").points == -100
    assert run("check_ledger")[2] is None


def test_a_members_debt_is_paid_off_from_the_opening_balance(tmp_path):
    # given a member who owes 50 points
    anna = MemberFactory(external_id="C1")
    MemberAccount.objects.create(member=anna, debt_points=50)
    LedgerEntry.objects.create(member=anna, kind="debt", bucket="debt", points=50, created_at=anna.registered_at)
    # when
    run("import_points", write(tmp_path, HEADER, "P1,C1,500,"))
    # then
    account = MemberAccount.objects.get(member=anna)
    assert (account.available_points, account.debt_points) == (450, 0)
    assert run("check_ledger")[2] is None


def test_bad_rows_are_reported_by_line_and_column_and_the_good_rows_kept(tmp_path):
    # given a row imported before with 500 points, and a file with one good row among bad ones
    anna = MemberFactory(external_id="C1")
    run("import_points", write(tmp_path, HEADER, "P1,C1,500,"))
    path = write(
        tmp_path, HEADER,
        "P1,C1,600,",  # the same row id with other points
        "P2,NOPE,100,",
        "P3,C1,-5,",
        "P4,C1,12.5,",
        f"P5,C1,100,{days(-1)}",
        "P6,C1,0,",
        f"P7,C1,250,{days(40)}",
        "P7,C1,250,",
    )
    # when
    out, err, error = run("import_points", path)
    # then
    assert error is not None and "6 rows were rejected" in str(error)
    assert "строка 2, столбец row_id: Уже загружено" in err
    assert "строка 3, столбец member_external_id: Неизвестный клиент" in err
    assert "строка 4, столбец points: Это не целое число" in err
    assert "строка 5, столбец points: Это не целое число" in err
    assert "строка 6, столбец expires_on: Срок этих баллов уже истёк" in err
    assert "строка 9, столбец row_id: Повторяет строку 8." in err
    assert "zero balances skipped 1" in out
    assert available(anna) == 750
    assert run("check_ledger")[2] is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_balances_imported_by_parallel_connections_while_the_member_spends_are_credited_once():
    # given a member with 100 points, and two opening balances
    anna = MemberFactory(external_id="C1")
    points_open_balances(balances=[OpeningBalance(member_id=anna.pk, points=100, expires_on=None, cause_key="first")])
    balances = [OpeningBalance(member_id=anna.pk, points=points, expires_on=None, cause_key=f"import:points:P{points}")
                for points in (500, 700)]

    # when six connections import them and two spend 50 points, at the same moment
    def work(index):
        if index < 6:
            return points_open_balances(balances=balances)
        return points_redeem(member=anna, points=50, reason="Purchase", cause_key=f"redeem-{index}")

    outcomes = run_at_once(8, work)
    # then each balance is one entry, the spending went through, and the cache matches the ledger
    assert errors_of(outcomes) == []
    assert LedgerEntry.objects.filter(kind="opening").count() == 3
    assert available(anna) == 100 + 500 + 700 - 100
    assert ledger_mismatches()[0] == []
