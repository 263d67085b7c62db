"""Reads of the catalogue tree: a category with its subtree, by path."""
from django.db.models import Q

from ..models.orders import PATH_SEPARATOR


def category_subtree_q(paths, *, prefix="") -> Q:
    """Matches the categories at `paths` and every category under them (`prefix` leads to a category, e.g.
    `lines__product__category__`): one prefix match per path."""
    q = Q(**{f"{prefix}path__in": list(paths)})
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": f"{path}{PATH_SEPARATOR}"})
    return q


def path_within(path: str | None, ancestor: str) -> bool:
    """Whether the category at `path` is `ancestor` or under it."""
    return path is not None and (path == ancestor or path.startswith(f"{ancestor}{PATH_SEPARATOR}"))
