import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from loyalty.models import Category, Product
from loyalty.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

HEADER = "sku,name,category,brand,price,image_url,url"


def write(tmp_path, *lines):
    path = tmp_path / "products.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_products", str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def test_products_are_imported_with_a_category_tree(tmp_path):
    # given an existing flat category "Дети" and a catalogue filed two levels deep
    kids = CategoryFactory(name="Дети")
    path = write(
        tmp_path, HEADER,
        'T1,Мяч,Дети/Игрушки,Мячики,"499,90",https://cdn.example/t1.jpg,https://shop.example/t1',
        "T2,Кукла,Дети / Игрушки / Куклы,,1500,,",
        "S1,Носки,Одежда,Носочки,,,",
    )
    # when
    out, _, error = run(path, "--batch-size", "2")
    # then
    assert error is None and "created 3" in out
    ball = Product.objects.select_related("category").get(sku="T1")
    assert (ball.name, ball.brand, ball.price) == ("Мяч", "Мячики", Decimal("499.90"))
    assert (ball.image_url, ball.url) == ("https://cdn.example/t1.jpg", "https://shop.example/t1")
    assert ball.category.path == "Дети/Игрушки" and ball.category.parent == kids
    doll = Product.objects.get(sku="T2")
    assert doll.category.path == "Дети/Игрушки/Куклы" and doll.category.parent.path == "Дети/Игрушки"
    assert sorted(Category.objects.values_list("path", flat=True)) == [
        "Дети", "Дети/Игрушки", "Дети/Игрушки/Куклы", "Одежда"]


def test_reimport_changes_nothing_and_a_partial_file_only_its_columns(tmp_path):
    # given a product imported once
    path = write(tmp_path, HEADER, "T1,Мяч,Дети/Игрушки,Мячики,499.90,,")
    run(path)
    # when the same file is imported again
    out, _, error = run(path)
    # then
    assert error is None and "created 0, updated 0, unchanged 1" in out
    # when a price list names only sku, name and price
    out, _, error = run(write(tmp_path, "sku,name,price", "T1,Мяч большой,549"))
    # then only those change
    ball = Product.objects.get(sku="T1")
    assert "updated 1" in out
    assert (ball.name, ball.price, ball.brand, ball.category.path) == ("Мяч большой", Decimal("549"), "Мячики", "Дети/Игрушки")


def test_products_made_by_order_imports_are_completed_by_the_catalogue(tmp_path):
    # given a product an order import created with only its sku
    ProductFactory(sku="T1", name="T1", category=None)
    # when the catalogue is imported
    run(write(tmp_path, HEADER, "T1,Мяч,Дети/Игрушки,,,,"))
    # then
    assert Product.objects.get(sku="T1").category.path == "Дети/Игрушки"
    assert Product.objects.count() == 1


def test_bad_rows_are_reported_by_line_and_column(tmp_path):
    # given
    path = write(
        tmp_path, HEADER,
        "T1,Мяч,Дети/Игрушки,,10,,",
        "T2,,Дети,,,,",
        "T3,Кукла,Дети//Куклы,,,,",
        "T4,Юла,Дети,,-1,,",
        "T5,Кубики,Дети,,,ftp://cdn.example/x.jpg,",
        "T6,Пазл,Дети,,,,shop.example/t6",
        "T1,Мяч,Дети,,10,,",
    )
    # when
    _, err, error = run(path)
    # then
    assert error is not None and "6 rows were rejected" in str(error)
    assert "строка 3, столбец name: Обязательно." in err
    assert "строка 4, столбец category: У каждого уровня пути категории должно быть название" in err
    assert "строка 5, столбец price: Не может быть меньше 0." in err
    assert "строка 6, столбец image_url: Это не веб-адрес" in err
    assert "строка 7, столбец url: Это не веб-адрес" in err
    assert "строка 8, столбец sku: Повторяет строку 2." in err
    assert list(Product.objects.values_list("sku", flat=True)) == ["T1"]
