"""The catalogue tree: categories created by path in bulk, and a category's move or rename carried to its subtree."""
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from core.exceptions import DomainError

from ..models import Category
from ..models.orders import PATH_SEPARATOR
from ..selectors.catalogue import path_within

NAME_MAX = 128
PATH_MAX = 512


def category_path_clean(text: str) -> str:
    """`Дети / Игрушки` → `Дети/Игрушки`. Raises ValueError (with a reason a user can act on) for an empty level."""
    parts = [part.strip() for part in text.split(PATH_SEPARATOR)]
    if not all(parts):
        raise ValueError(_("Every level of a category path needs a name, e.g. %(example)s.") % {"example": f"Дети{PATH_SEPARATOR}Игрушки"})
    if any(len(part) > NAME_MAX for part in parts):
        raise ValueError(_("A category name has at most %(count)s characters.") % {"count": NAME_MAX})
    path = PATH_SEPARATOR.join(parts)
    if len(path) > PATH_MAX:
        raise ValueError(_("A category path has at most %(count)s characters.") % {"count": PATH_MAX})
    return path


def categories_ensure(paths) -> tuple[dict[str, int], int]:
    """Category ids by (clean) path with their ancestors', and how many were created: every missing category
    and ancestor is created with one INSERT per tree level.

    Safe beside another import creating the same categories (ON CONFLICT DO NOTHING, then read back).
    """
    wanted = set()
    for path in paths:
        parts = path.split(PATH_SEPARATOR)
        wanted.update(PATH_SEPARATOR.join(parts[:depth]) for depth in range(1, len(parts) + 1))
    ids = dict(Category.objects.filter(path__in=wanted).values_list("path", "id"))
    missing = wanted - ids.keys()
    for depth in sorted({path.count(PATH_SEPARATOR) for path in missing}):
        level = [path for path in missing if path.count(PATH_SEPARATOR) == depth]
        Category.objects.bulk_create([
            Category(name=path.rsplit(PATH_SEPARATOR, 1)[-1], path=path,
                     parent_id=ids[path.rsplit(PATH_SEPARATOR, 1)[0]] if depth else None)
            for path in level
        ], ignore_conflicts=True)
        ids.update(Category.objects.filter(path__in=level).values_list("path", "id"))
    return ids, len(missing)


def category_validate(*, category: Category, old_path: str | None = None) -> str:
    """The path `category` would have once saved. Raises DomainError `category_cycle` when its parent is the
    category itself or under it, and `category_exists` when another category already has that path."""
    if old_path is None and category.pk:
        old_path = Category.objects.filter(pk=category.pk).values_list("path", flat=True).first()
    parent = category.parent
    if parent is not None and old_path is not None and path_within(parent.path, old_path):
        raise DomainError("A category cannot be moved under itself.", code="category_cycle",
                          fields={"parent": ["Choose a category outside this one's subtree."]})
    new_path = category.path_build()
    if Category.objects.filter(path=new_path).exclude(pk=category.pk).exists():
        raise DomainError(f"The category {new_path} already exists.", code="category_exists",
                          fields={"name": ["Already exists at this place in the tree."]})
    return new_path


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Save a category (new, renamed or moved) and rewrite the paths of its whole subtree in one UPDATE.

    Locks the stored row first, so two moves of one category queue. Raises what `category_validate` raises.
    """
    old_path = None
    if category.pk:
        old_path = Category.objects.select_for_update().filter(pk=category.pk).values_list("path", flat=True).first()
    new_path = category_validate(category=category, old_path=old_path)
    category.save()
    if old_path is not None and old_path != new_path:
        Category.objects.filter(path__startswith=f"{old_path}{PATH_SEPARATOR}").update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
        )
    return category
