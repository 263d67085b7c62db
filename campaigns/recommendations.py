"""The product lists messages show. One place to swap the source: analytics when present, else most bought."""
from django.db.models import Sum

from loyalty.models import OrderStatus, Product


def most_bought_products(*, member, limit: int = 5) -> list[Product]:
    """The member's most bought products by quantity over completed orders (the fallback list)."""
    return list(
        Product.objects.filter(order_lines__order__member=member, order_lines__order__status=OrderStatus.COMPLETED)
        .annotate(bought=Sum("order_lines__quantity")).order_by("-bought", "id")[:limit]
    )


def usual_basket(*, member, limit: int = 5) -> list[Product]:
    try:
        from analytics.recommendations import usual_basket as analytics_usual_basket
    except ImportError:
        return most_bought_products(member=member, limit=limit)
    return analytics_usual_basket(member=member, limit=limit)


def personal_selection(*, member, limit: int = 6) -> list[Product]:
    try:
        from analytics.recommendations import personal_selection as analytics_selection
    except ImportError:
        return most_bought_products(member=member, limit=limit)
    return analytics_selection(member=member, limit=limit)
