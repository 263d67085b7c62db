import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from customers.models import Member
from customers.signals import import_finished
from customers.tests.factories import MemberFactory
from loyalty.models import Order
from loyalty.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["orm", "sql"])
def write_path(request, settings, on_postgres):
    """Every test runs on both paths: cleaned in Python and written by the ORM, and (PostgreSQL) the raw text
    COPY'd into a staging table, cleaned and upserted in SQL (customers.importing.sql_cleaning)."""
    if request.param == "sql":
        if not on_postgres:
            pytest.skip("the SQL path is PostgreSQL's")
        settings.IMPORT_COPY_MIN_ROWS = 0
    else:
        settings.IMPORT_COPY_MIN_ROWS = 10**9
    return request.param

HEADER = "external_id,member_external_id,created_at,status,total,currency,channel,store"
MOSCOW = ZoneInfo("Europe/Moscow")


def write(tmp_path, *lines):
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_orders", str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


@pytest.fixture
def members():
    return MemberFactory(external_id="C1"), MemberFactory(external_id="C2")


def test_good_orders_are_imported_and_naive_times_read_in_moscow(tmp_path, members):
    # given
    path = write(
        tmp_path, HEADER,
        "O1,C1,2024-03-01 10:00:00,completed,1500.50,RUB,web,",
        "O2,C2,20240302,,99,,,Tverskaya",
        "O3,C1,2024-03-03T10:00:00+00:00,Returned,\"12,30\",USD,app,",
    )
    # when
    out, _, error = run(path)
    # then
    assert error is None
    first = Order.objects.get(external_id="O1")
    assert first.member == members[0] and first.source == "shop"
    assert first.created_at == dt.datetime(2024, 3, 1, 10, tzinfo=MOSCOW)
    assert (first.status, first.total, first.currency, first.channel) == ("completed", Decimal("1500.50"), "RUB", "web")
    second = Order.objects.get(external_id="O2")
    assert second.created_at == dt.datetime(2024, 3, 2, tzinfo=MOSCOW)
    assert (second.status, second.currency, second.channel, second.store) == ("completed", "RUB", "store", "Tverskaya")
    third = Order.objects.get(external_id="O3")
    assert third.created_at == dt.datetime(2024, 3, 3, 10, tzinfo=dt.timezone.utc)
    assert (third.status, third.total) == ("returned", Decimal("12.30"))
    assert "created 3" in out


def test_bad_orders_are_reported_with_the_column_named(tmp_path, members):
    # given
    path = write(
        tmp_path, HEADER,
        "O1,C1,2024-03-01,completed,-5,RUB,web,",
        "O2,C1,2024-03-01,completed,5,rub,web,",
        "O3,C1,2024-03-01,lost,5,RUB,fax,",
        "O4,C1,01/03/2024,completed,5.001,RUB,web,",
        "O5,C9,2024-03-01,completed,5,RUB,web,",
        "O6,C2,2024-03-01,completed,5,RUB,web,",
    )
    # when
    out, err, error = run(path)
    # then
    assert error is not None and "5 rows were rejected" in str(error)
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O6"]
    for expected in [
        "строка 2, столбец total: Не может быть меньше 0.",
        "строка 3, столбец currency:",
        "строка 4, столбец status:",
        "строка 4, столбец channel:",
        "строка 5, столбец created_at:",
        "строка 5, столбец total: Не больше 2 знаков после запятой.",
        "строка 6, столбец member_external_id: Неизвестный клиент",
    ]:
        assert expected in err
    assert "rejected 5" in out


def test_an_order_of_another_member_is_rejected(tmp_path, members):
    # given
    OrderFactory(external_id="O1", member=members[0], total=Decimal("10"))
    path = write(tmp_path, HEADER, "O1,C2,2024-03-01,completed,10,RUB,web,")
    # when
    _, err, error = run(path)
    # then
    assert error is not None
    assert "строка 2, столбец member_external_id: Заказ уже принадлежит клиенту C1." in err
    assert Order.objects.get().member == members[0]


def test_the_same_external_id_in_another_source_is_another_order(tmp_path, members):
    OrderFactory(external_id="O1", member=members[0])
    path = write(tmp_path, HEADER, "O1,C2,2024-03-01,completed,10,RUB,web,")
    _, _, error = run(path, "--source", "pos")
    assert error is None
    assert Order.objects.get(source="pos").member == members[1]


def test_reimport_is_idempotent_and_a_changed_status_updates(tmp_path, members):
    # given
    rows = ["O1,C1,2024-03-01 10:00:00,completed,10.00,RUB,web,", "O2,C2,2024-03-02,completed,20,RUB,store,"]
    run(write(tmp_path, HEADER, *rows))
    # when
    out, _, _ = run(write(tmp_path, HEADER, *rows))
    # then
    assert "created 0, updated 0, unchanged 2, rejected 0" in out
    # when the shop reports a return
    out, _, _ = run(write(tmp_path, HEADER, rows[0].replace("completed", "returned"), rows[1]))
    # then
    assert "created 0, updated 1, unchanged 1" in out
    assert Order.objects.get(external_id="O1").status == "returned"


def test_unknown_members_are_created_with_create_members(tmp_path):
    # given: the member's earliest order comes in a later batch
    path = write(
        tmp_path, HEADER,
        "O1,N1,2024-03-05 12:00:00,completed,10,RUB,web,",
        "O2,N1,2024-03-06 12:00:00,completed,10,RUB,web,",
        "O3,N1,2024-01-02 09:00:00,completed,10,RUB,web,",
    )
    # when
    out, _, error = run(path, "--create-members", "--batch-size", "2")
    # then
    assert error is None
    member = Member.objects.get(external_id="N1")
    assert member.registration_channel == "import"
    assert member.registered_at == dt.datetime(2024, 1, 2, 9, tzinfo=MOSCOW)
    assert member.orders.count() == 3
    assert "members created 1" in out
    # and a second run creates nothing
    out, _, _ = run(path, "--create-members")
    assert "created 0, updated 0, unchanged 3" in out and "members created" not in out
    assert Member.objects.count() == 1


def test_duplicate_order_in_the_file_rejects_the_later_row(tmp_path, members):
    path = write(tmp_path, HEADER, "O1,C1,2024-03-01,completed,10,RUB,web,", "O1,C1,2024-03-01,completed,99,RUB,web,")
    _, err, error = run(path)
    assert error is not None and "строка 3, столбец external_id: Повторяет строку 2." in err
    assert Order.objects.get().total == Decimal("10")


def test_missing_required_column_stops_the_import(tmp_path, members):
    _, _, error = run(write(tmp_path, "external_id,member_external_id,created_at", "O1,C1,2024-03-01"))
    assert error is not None and "В заголовке нет обязательного столбца 'total'." in str(error)
    assert not Order.objects.exists()


def test_a_file_larger_than_one_batch(tmp_path, members):
    lines = [f"O{n},C{1 + n % 2},2024-03-01,completed,{n},RUB,web," for n in range(10)]
    out, err, error = run(write(tmp_path, HEADER, *lines), "--batch-size", "4")
    assert error is None
    assert Order.objects.count() == 10
    assert err.count("rows read") == 3
    assert "read 10, created 10" in out


def test_import_finished_names_the_members_whose_orders_changed(tmp_path, members, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, member_ids, **kwargs):
        received.append((sender, member_ids))

    import_finished.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run(write(tmp_path, HEADER, "O1,C2,2024-03-01,completed,10,RUB,web,"))
    finally:
        import_finished.disconnect(receiver)
    assert received == [("orders", frozenset({members[1].pk}))]


def test_naive_times_follow_the_shop_time_zone_setting(tmp_path, members, settings):
    settings.SHOP_TIME_ZONE = "Asia/Yekaterinburg"
    run(write(tmp_path, HEADER, "O1,C1,2024-03-01 10:00:00,completed,10,RUB,web,"))
    assert Order.objects.get().created_at == dt.datetime(2024, 3, 1, 5, tzinfo=dt.timezone.utc)
