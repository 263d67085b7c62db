"""Cleaning in PostgreSQL (customers.importing.sql_cleaning) stores what the Python parsers store and reports what
they report: cell by cell, and for whole files of orders and order lines with mixed bad rows."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customers.importing import cells
from customers.importing.schema import Column, Row, RowRejected, RowSchema
from customers.importing.sql_cleaning import sql_clean
from customers.tests.factories import MemberFactory
from loyalty.importing.order_lines import LINE_COLUMNS
from loyalty.models import Category, Order, OrderLine, Product
from loyalty.tests.factories import OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

COLUMNS = [
    Column("at", cells.timestamp, empty=None),
    Column("total", cells.money(places=2, max_digits=12), empty=None),
    Column("quantity", cells.money(places=3, max_digits=10, strictly_positive=True), empty=None),
    Column("status", cells.choice({"completed": "completed", "returned": "returned"}, label="status")),
    Column("currency", cells.currency, empty="RUB"),
    Column("code", cells.text(5), required=True),
    LINE_COLUMNS[3],  # category, a path
]
# Each cell beside the `code` of its row; `fast` says SQL must read it itself (the usual shapes), not hand it on.
CELLS = [
    ("at", "2024-03-01 10:00:00", True), ("at", "2024-03-01T10:00", True), ("at", "2024-03-01", True),
    ("at", "20240302", True), ("at", "01.03.2024", True), ("at", "1.3.2024 9:05", True),
    ("at", "29.02.2024 23:59:59", True), ("at", " 31.12.1999 ", True), ("at", "2010-10-31 02:30:00", False),
    ("at", "2011-03-27 02:30:00", False), ("at", "2010-10-31 06:30:00", True), ("at", "29.02.2023", False), ("at", "2024-13-01", False),
    ("at", "2024-03-01 24:00", False), ("at", "0000-01-01", False), ("at", "2024-03-01T10:00:00+00:00", False),
    ("at", "2024-03-01 10:00:00.5", False), ("at", "01/03/2024", False), ("at", "2024-02-30", False),
    ("total", "1500.50", True), ("total", "12,30", True), ("total", "0", True), ("total", "007.5", True),
    ("total", "9999999999.99", True), ("total", "10000000000", False), ("total", "5.001", False),
    ("total", "5.000", False), ("total", "-5", False), ("total", "1 234,50", False), ("total", "1e3", False),
    ("total", "NaN", False), ("total", "5,", False), ("total", "１２", False),
    ("quantity", "1", True), ("quantity", "0.125", True), ("quantity", "0", False), ("quantity", "0,000", False),
    ("status", "Completed", True), ("status", "RETURNED", True), ("status", "lost", False), ("status", "", True),
    ("currency", "USD", True), ("currency", "", True), ("currency", "usd", False), ("currency", "RUBL", False),
    ("code", "", False), ("code", "ABCDEF", False),
    ("category", "Дети/Игрушки", True), ("category", "Молоко", True), ("category", "Дети / Игрушки", False),
    ("category", "Дети//Игрушки", False), ("category", "/Дети", False), ("category", "Дети\u00a0/Игрушки", False),
    ("category", "Я" * 129, False),
]


def python_clean(schema, line, raw):
    try:
        return schema.clean(line, raw).values, None
    except RowRejected as rejected:
        return None, rejected.errors


def test_sql_reads_the_usual_cells_as_python_does_and_hands_the_rest_to_python(settings):
    # given one row per sample cell, the other columns left empty (the row's code filled unless it is the sample)
    settings.SHOP_TIME_ZONE = "Europe/Moscow"  # 2010 and 2011 still had summer time: ambiguous and missing hours
    schema = RowSchema(COLUMNS)
    names = [column.name for column in COLUMNS]
    schema.bind(names)
    rows = []
    for line, (name, cell, _fast) in enumerate(CELLS, start=2):
        raw = dict.fromkeys(names, "")
        raw["code"] = "C1"
        raw[name] = cell
        rows.append(Row(line, raw))
    # when
    with connection.cursor() as cursor:
        errors = sql_clean(cursor, schema=schema, rows=rows, stage="import_test_stage")
        cursor.execute(f"SELECT line, fast, {', '.join(names)} FROM import_test_stage ORDER BY line")
        staged = {line: (fast, dict(zip(names, values))) for line, fast, *values in cursor.fetchall()}
    # then every row is stored or refused as Python would, with the same values and reasons
    for row, (name, cell, fast) in zip(rows, CELLS):
        values, python_errors = python_clean(schema, row.line, row.values)
        if python_errors:
            assert [error for error in errors if error.line == row.line] == python_errors, cell
            assert row.line not in staged, cell
            continue
        expected = {key: values.get(key, column.empty) for key, column in schema.columns.items()}
        # by instant: Python never calls a time in a repeated hour equal to one in another zone (PEP 495)
        expected["at"] = expected["at"] and expected["at"].timestamp()
        staged[row.line][1]["at"] = staged[row.line][1]["at"] and staged[row.line][1]["at"].timestamp()
        assert staged[row.line][1] == expected, cell
        assert staged[row.line][0] is fast, f"{cell!r} should be read by {'SQL' if fast else 'Python'}"


ORDERS = """external_id;member_external_id;created_at;status;total;currency;channel;store
O1;C1;01.03.2024 10:00;completed;1 500,50;RUB;web;
O2;C1;2024-03-01;done;-5;rub;fax;
O3;C9;2024-03-01;;5;;;
O4;;31.02.2024;;5.001;;;Tverskaya
O1;C2;2024-03-02;;7;;;
O5;C2;2024-03-01T10:00:00+03:00;Returned;12,30;USD;app;
O6;C1;2024-03-03;completed;abc;RUB;store;
O7;C2;2024-03-04 12:00;completed;99;RUB;store;Длинное название магазина, которое не помещается в 64 символа никак
O8;C2
O9;C3;2024-03-04;completed;10;RUB;store;
O2;C1;2024-03-05;;8;;;
"""
LINES = """order_external_id;sku;product_name;category;quantity;unit_price
O1;MILK;Молоко;Молочное;1;89,90
O1;MILK;Молоко;Молочное;2;89.9
O1;MILK;Молоко;Молочное;1;70
O1;BREAD;Хлеб;Хлеб / Белый;0;40
O2;TEA;Чай;Напитки//Чай;1;350
O9;MILK;Молоко;;1;89.90
O9;MILK;Молоко;;1;80
O2;MILK;;;1,5;abc
O1;TEA;Чай;;1;350
O3;NEW;Новый;Новое/Свежее;2;10
O3;NEW;Новый;Новое/Свежее;2;10.00
"""


def run(command, path, min_rows, settings):
    settings.IMPORT_COPY_MIN_ROWS = min_rows
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command(command, str(path), "--errors", str(path.with_suffix(f".{min_rows}.errors")),
                     stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), path.with_suffix(f".{min_rows}.errors").read_text(encoding="utf-8")


def test_orders_with_mixed_bad_rows_are_reported_alike_by_both_paths(tmp_path, settings):
    # given members, an order of C3 that earned points, and a cp1251 file with bad rows of every kind
    MemberFactory(external_id="C1"), MemberFactory(external_id="C2")
    earned = OrderFactory(external_id="O9", member=MemberFactory(external_id="C3"), status="pending")
    Order.objects.filter(pk=earned.pk).update(earned_at=earned.created_at)
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS.encode("cp1251"))
    # when the file is imported by Python, then (the same database state) by SQL
    python = run("import_orders", path, 10**9, settings)
    python_orders = sorted(Order.objects.values_list("external_id", "member__external_id", "created_at", "status",
                                                     "total", "currency", "channel", "store"))
    Order.objects.exclude(pk=earned.pk).delete()
    sql = run("import_orders", path, 0, settings)
    # then the reports, the summaries and the stored orders are the same
    assert python == sql
    assert "строка 3, столбец status" in python[1] and "строка 10, столбец *" in python[1]  # the file's bad rows are seen
    assert sorted(Order.objects.values_list("external_id", "member__external_id", "created_at", "status", "total",
                                            "currency", "channel", "store")) == python_orders
    assert {"O1", "O5"} <= {external_id for external_id, *_ in python_orders}


def test_order_lines_with_mixed_bad_rows_are_reported_alike_by_both_paths(tmp_path, settings):
    # given three stored orders (O9 is not) and a file with merges, clashes, bad cells and a scattered order
    for external_id in ("O1", "O2", "O3"):
        OrderFactory(external_id=external_id)
    path = tmp_path / "lines.csv"
    path.write_text(LINES, encoding="utf-8-sig")
    # when
    python = run("import_order_lines", path, 10**9, settings)
    python_lines = sorted(OrderLine.objects.values_list("order__external_id", "product__sku", "quantity", "unit_price"))
    python_products = sorted(Product.objects.values_list("sku", "name", "category__path"))
    OrderLine.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    sql = run("import_order_lines", path, 0, settings)
    # then
    assert python == sql
    assert "rows merged 2" in python[0] and "строка 4, столбец unit_price" in python[1]
    assert sorted(OrderLine.objects.values_list("order__external_id", "product__sku", "quantity", "unit_price")) == python_lines
    assert sorted(Product.objects.values_list("sku", "name", "category__path")) == python_products
