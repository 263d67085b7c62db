import importlib

import pytest
from django.apps import apps

from core.exceptions import DomainError
from loyalty.models import Category
from loyalty.services.catalogue import categories_ensure, category_path_clean, category_save
from loyalty.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_a_path_is_created_with_its_parents_once():
    # given an existing root
    kids = CategoryFactory(name="Дети")
    # when two paths under it are ensured, twice
    ids, created = categories_ensure(["Дети/Игрушки/Мячи", "Дети/Одежда"])
    again, created_again = categories_ensure(["Дети/Игрушки/Мячи", "Дети/Одежда"])
    # then the missing levels are created once, each under its parent
    assert (created, created_again) == (3, 0) and ids == again
    balls = Category.objects.get(pk=ids["Дети/Игрушки/Мячи"])
    assert (balls.name, balls.parent.name, balls.parent.parent) == ("Мячи", "Игрушки", kids)


def test_path_cleaning_trims_levels_and_refuses_empty_ones():
    assert category_path_clean(" Дети / Игрушки ") == "Дети/Игрушки"
    for bad in ["Дети//Игрушки", "/Дети", "Дети/"]:
        with pytest.raises(ValueError):
            category_path_clean(bad)


def test_moving_a_category_moves_its_subtree():
    # given Дети/Игрушки/Мячи and a root Спорт
    ids, _ = categories_ensure(["Дети/Игрушки/Мячи", "Спорт"])
    toys = Category.objects.get(pk=ids["Дети/Игрушки"])
    # when Игрушки moves under Спорт and is renamed
    toys.parent, toys.name = Category.objects.get(path="Спорт"), "Игры"
    category_save(category=toys)
    # then its whole subtree follows
    assert sorted(Category.objects.values_list("path", flat=True)) == ["Дети", "Спорт", "Спорт/Игры", "Спорт/Игры/Мячи"]


def test_a_category_cannot_move_under_itself_or_onto_another_path():
    ids, _ = categories_ensure(["Дети/Игрушки/Мячи", "Игрушки"])
    kids = Category.objects.get(pk=ids["Дети"])
    kids.parent = Category.objects.get(pk=ids["Дети/Игрушки/Мячи"])
    with pytest.raises(DomainError) as cycle:
        category_save(category=kids)
    toys = Category.objects.get(pk=ids["Дети/Игрушки"])
    toys.parent = None
    with pytest.raises(DomainError) as taken:
        category_save(category=toys)
    assert (cycle.value.code, taken.value.code) == ("category_cycle", "category_exists")
    assert Category.objects.get(pk=ids["Дети"]).path == "Дети"


def test_the_migration_gives_flat_categories_their_name_as_path_and_children_their_parents():
    # given categories as they were before paths: flat ones, one child, a "/" in a name
    migration = importlib.import_module("loyalty.migrations.0008_category_tree_product_details_tier_valid_until")
    pets = CategoryFactory(name="Pet food")
    cats = CategoryFactory(name="Cats", parent=pets)
    odd = CategoryFactory(name="Bed/Bath")
    for category in (pets, cats, odd):
        Category.objects.filter(pk=category.pk).update(path=f"before-{category.pk}")
    # when
    migration.category_paths_fill(apps, None)
    # then
    assert dict(Category.objects.values_list("name", "path")) == {
        "Pet food": "Pet food", "Cats": "Pet food/Cats", "Bed/Bath": "Bed-Bath"}
