import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from customers.signals import import_finished
from loyalty.models import Category, OrderLine, Product
from loyalty.tests.factories import OrderFactory, ProductFactory

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

HEADER = "order_external_id,sku,product_name,category,quantity,unit_price"


def write(tmp_path, *lines):
    path = tmp_path / "lines.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_order_lines", str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


@pytest.fixture
def orders():
    return OrderFactory(external_id="O1"), OrderFactory(external_id="O2")


def test_lines_create_missing_products_and_categories(tmp_path, orders):
    # given
    ProductFactory(sku="MILK", name="Milk 1 l", category=None)
    path = write(
        tmp_path, HEADER,
        "O1,MILK,Renamed milk,Dairy,2,89.90",
        "O1,TEA-1,Green tea,Drinks,1,350",
        "O2,TEA-1,Green tea,Drinks,0.5,350",
        "O2,NONAME,,,1.25,10",
    )
    # when
    out, _, error = run(path)
    # then
    assert error is None
    assert OrderLine.objects.count() == 4
    line = OrderLine.objects.get(order=orders[0], product__sku="MILK")
    assert (line.quantity, line.unit_price) == (Decimal("2"), Decimal("89.90"))
    assert Product.objects.get(sku="MILK").name == "Milk 1 l"  # existing products are not renamed
    tea = Product.objects.get(sku="TEA-1")
    assert (tea.name, tea.category.name) == ("Green tea", "Drinks")
    assert Product.objects.get(sku="NONAME").name == "NONAME"
    assert Category.objects.count() == 1
    assert "products created 2" in out and "categories created 1" in out


def test_same_sku_at_the_same_price_is_summed_and_at_another_price_rejected(tmp_path, orders):
    # given
    path = write(
        tmp_path, HEADER,
        "O1,MILK,Milk,,1,89.90",
        "O1,BREAD,Bread,,1,40",
        "O1,MILK,Milk,,2,89.90",
        "O1,MILK,Milk,,1,70",
    )
    # when
    out, err, error = run(path)
    # then
    assert error is not None
    assert OrderLine.objects.get(product__sku="MILK").quantity == Decimal("3")
    assert "строка 5, столбец unit_price: Этот же артикул уже есть в строке 2 этого заказа по цене 89.90" in err
    assert "created 2" in out and "rows merged 1" in out and "rejected 1" in out


def test_reimport_with_merged_rows_changes_nothing(tmp_path, orders):
    path = write(tmp_path, HEADER, "O1,MILK,Milk,,1,89.90", "O1,MILK,Milk,,2,89.90", "O2,MILK,Milk,,1,89.90")
    run(path)
    out, _, error = run(path)
    assert error is None
    assert "created 0, updated 0, unchanged 2, rejected 0" in out
    assert OrderLine.objects.get(order=orders[0]).quantity == Decimal("3")


def test_a_changed_quantity_updates_the_line(tmp_path, orders):
    run(write(tmp_path, HEADER, "O1,MILK,Milk,,1,89.90"))
    out, _, _ = run(write(tmp_path, HEADER, "O1,MILK,Milk,,4,89.90"))
    assert "updated 1" in out
    assert OrderLine.objects.get().quantity == Decimal("4")


def test_bad_lines_are_reported_and_good_ones_kept(tmp_path, orders):
    # given
    path = write(
        tmp_path, HEADER,
        "O1,MILK,Milk,,0,89.90",
        "O1,TEA,Tea,,1,-1",
        "O9,MILK,Milk,,1,89.90",
        "O2,MILK,Milk,,1.0005,89.90",
        "O2,BREAD,Bread,,1,40",
    )
    # when
    _, err, error = run(path)
    # then
    assert error is not None and "4 rows were rejected" in str(error)
    assert list(OrderLine.objects.values_list("order__external_id", "product__sku")) == [("O2", "BREAD")]
    assert "строка 2, столбец quantity: Должно быть больше нуля." in err
    assert "строка 3, столбец unit_price: Не может быть меньше 0." in err
    assert "строка 4, столбец order_external_id: Неизвестный заказ; сначала загрузите заказы." in err
    assert "строка 5, столбец quantity: Не больше 3 знаков после запятой." in err
    assert not Product.objects.filter(sku="TEA").exists()


def test_every_row_of_an_unknown_order_is_reported_as_such_and_creates_no_product(tmp_path, orders):
    # given an order not stored whose rows repeat a sku at the same and at another price
    path = write(
        tmp_path, HEADER,
        "O9,NEW,New,,1,10",
        "O9,NEW,New,,1,10",
        "O9,NEW,New,,1,12",
        "O1,MILK,Milk,,1,89.90",
        "O1,MILK,Milk,,1,89.90",
    )
    # when
    out, err, error = run(path)
    # then
    assert error is not None and "3 rows were rejected" in str(error)
    for line in (2, 3, 4):
        assert f"строка {line}, столбец order_external_id: Неизвестный заказ; сначала загрузите заказы." in err
    assert "column unit_price" not in err
    assert not Product.objects.filter(sku="NEW").exists()
    assert OrderLine.objects.get(order=orders[0]).quantity == Decimal("2")
    assert "rows merged 1" in out


def test_an_order_reappearing_later_in_the_file_is_rejected(tmp_path, orders):
    path = write(tmp_path, HEADER, "O1,MILK,Milk,,1,89.90", "O2,MILK,Milk,,1,89.90", "O1,BREAD,Bread,,1,40")
    _, err, error = run(path)
    assert error is not None
    assert "строка 4, столбец order_external_id: Строки одного заказа должны идти в файле подряд; они начались на строке 2." in err
    assert OrderLine.objects.count() == 2


def test_batches_never_split_an_order(tmp_path, orders):
    # given: a batch size of 2 would split O1's repeated MILK rows if batches cut anywhere
    path = write(
        tmp_path, HEADER,
        "O1,BREAD,Bread,,1,40",
        "O1,MILK,Milk,,1,89.90",
        "O1,MILK,Milk,,1,89.90",
        "O2,MILK,Milk,,1,89.90",
        "O2,BREAD,Bread,,1,40",
    )
    # when
    out, err, error = run(path, "--batch-size", "2")
    # then
    assert error is None
    assert OrderLine.objects.get(order=orders[0], product__sku="MILK").quantity == Decimal("2")
    assert err.count("rows read") == 2
    assert "read 5, created 4" in out


def test_import_finished_names_the_members_whose_lines_changed(tmp_path, orders, django_capture_on_commit_callbacks):
    # given: O1's line is already stored as in the file, O2's is new
    run(write(tmp_path, HEADER, "O1,MILK,Milk,,1,89.90"))
    received = []

    def receiver(sender, member_ids, **kwargs):
        received.append((sender, member_ids))

    import_finished.connect(receiver)
    # when
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run(write(tmp_path, HEADER, "O1,MILK,Milk,,1,89.90", "O2,MILK,Milk,,1,89.90"))
    finally:
        import_finished.disconnect(receiver)
    # then
    assert received == [("order_lines", frozenset({orders[1].member_id}))]
