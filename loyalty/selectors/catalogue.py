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


def product_search(text: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """(sku, "name (sku)") of products whose name or SKU contains `text` (any case; SKU prefix first)."""
    from ..models import Product

    text = text.strip()
    if not text:
        return []
    found = Product.objects.filter(Q(sku__istartswith=text) | Q(name__icontains=text) | Q(name__icontains=text.capitalize()))
    return [(sku, f"{name} ({sku})") for sku, name in found.order_by("name", "sku").values_list("sku", "name")[:limit]]


def product_labels(skus: list[str]) -> list[tuple[str, str]]:
    """(sku, "name (sku)") of the products with these SKUs, in the given order (unknown ones left out)."""
    from ..models import Product

    names = dict(Product.objects.filter(sku__in=skus).values_list("sku", "name"))
    return [(sku, f"{names[sku]} ({sku})") for sku in skus if sku in names]


def brand_search(text: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """Brands of the catalogue containing `text`, each once, alphabetically."""
    from ..models import Product

    text = text.strip()
    if not text:
        return []
    found = (Product.objects.filter(Q(brand__icontains=text) | Q(brand__icontains=text.capitalize())).exclude(brand="")
             .order_by("brand").values_list("brand", flat=True).distinct()[:limit])
    return [(brand, brand) for brand in found]
