"""Product lists for a member's emails and offers: their usual basket and a personal selection.

Both read completed orders only. Each call runs a fixed number of queries whatever the member's history
(the co-occurrence is one aggregate in SQL), so campaigns can call them per message being rendered.
"""
import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Count

from core.sql import timestamp_param
from core.timezones import shop_day_start, shop_today
from loyalty.models import OrderLine, OrderStatus, Product


def _setting(name: str, default):
    return getattr(settings, name, default)


def _recent_order_ids(member, count: int) -> list[int]:
    return list(
        member.orders.filter(status=OrderStatus.COMPLETED).order_by("-created_at", "-id").values_list("id", flat=True)[:count]
    )


def _in_order(product_ids: list[int]) -> list[Product]:
    by_id = Product.objects.select_related("category").in_bulk(product_ids)
    return [by_id[pk] for pk in product_ids if pk in by_id]


def usual_basket(*, member, limit: int = 5) -> list[Product]:
    """The products the member buys as a habit, most regular first.

    Products found in at least half of the member's last `ANALYTICS_BASKET_RECENT_ORDERS` (10) completed
    orders; when none is that regular, the products found in the most of those orders. Ties go to the
    product bought most recently, then the lower id, so the list is stable. Empty without completed orders.
    """
    order_ids = _recent_order_ids(member, _setting("ANALYTICS_BASKET_RECENT_ORDERS", 10))
    if not order_ids:
        return []
    counts = list(
        OrderLine.objects.filter(order_id__in=order_ids)
        .values("product_id")
        .annotate(orders=Count("order_id", distinct=True))
        .order_by("-orders", "product_id")
        .values_list("product_id", "orders")
    )
    regular = [pk for pk, orders in counts if orders * 2 >= len(order_ids)]
    chosen = regular or [pk for pk, _ in counts]
    return _in_order(chosen[:limit])


def _recently_bought_sql(params: list, member_id: int, since: dt.datetime) -> str:
    params.extend([member_id, timestamp_param(since)])
    return """
        SELECT rl.product_id FROM loyalty_orderline rl JOIN loyalty_order ro ON ro.id = rl.order_id
         WHERE ro.member_id = %s AND ro.status = 'completed' AND ro.created_at >= %s
    """


def _co_bought(member, *, since: dt.datetime, window_start: dt.datetime, limit: int) -> list[int]:
    """Products in other members' orders that also hold something this member bought, by how often."""
    params: list = []
    recent = _recently_bought_sql(params, member.pk, since)
    sql = f"""
        WITH seed AS (
            SELECT DISTINCT sl.product_id FROM loyalty_orderline sl JOIN loyalty_order so ON so.id = sl.order_id
             WHERE so.member_id = %s AND so.status = 'completed'
        )
        SELECT other.product_id, COUNT(*) AS together
          FROM seed
          JOIN loyalty_orderline mine ON mine.product_id = seed.product_id
          JOIN loyalty_order o ON o.id = mine.order_id
          JOIN loyalty_orderline other ON other.order_id = mine.order_id AND other.product_id <> mine.product_id
         WHERE o.status = 'completed' AND o.member_id <> %s AND o.created_at >= %s
           AND other.product_id NOT IN ({recent})
         GROUP BY other.product_id
         ORDER BY together DESC, other.product_id
         LIMIT %s
    """
    all_params = [member.pk, member.pk, timestamp_param(window_start), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        return [row[0] for row in cursor.fetchall()]


def _popular_in_favourite_categories(member, *, since: dt.datetime, window_start: dt.datetime,
                                     exclude: list[int], limit: int) -> list[int]:
    """Best sellers of the member's most bought categories (all categories when they have none)."""
    params: list = []
    recent = _recently_bought_sql(params, member.pk, since)
    favourite_categories = list(
        OrderLine.objects.filter(order__member=member, order__status=OrderStatus.COMPLETED, product__category__isnull=False)
        .values("product__category_id")
        .annotate(lines=Count("id"))
        .order_by("-lines", "product__category_id")
        .values_list("product__category_id", flat=True)[: _setting("ANALYTICS_FAVOURITE_CATEGORIES", 3)]
    )
    category_filter = ""
    if favourite_categories:
        category_filter = f" AND p.category_id IN ({', '.join(['%s'] * len(favourite_categories))})"
    exclude_filter = f" AND ol.product_id NOT IN ({', '.join(['%s'] * len(exclude))})" if exclude else ""
    sql = f"""
        SELECT ol.product_id, COUNT(DISTINCT o.member_id) AS buyers
          FROM loyalty_orderline ol
          JOIN loyalty_order o ON o.id = ol.order_id
          JOIN loyalty_product p ON p.id = ol.product_id
         WHERE o.status = 'completed' AND o.created_at >= %s{category_filter}{exclude_filter}
           AND ol.product_id NOT IN ({recent})
         GROUP BY ol.product_id
         ORDER BY buyers DESC, ol.product_id
         LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [timestamp_param(window_start), *favourite_categories, *exclude, *params, limit])
        return [row[0] for row in cursor.fetchall()]


def personal_selection(*, member, limit: int = 6, as_of: dt.date | None = None) -> list[Product]:
    """Products to show this member, best first; never one they bought in the last
    `ANALYTICS_RECENT_PURCHASE_DAYS` (60) days.

    First the products other members' orders most often hold together with anything this member has bought
    (item-to-item co-occurrence over the last `ANALYTICS_COOCCURRENCE_DAYS` (365) days); the rest of the
    list is filled with the products bought by the most members in the member's favourite categories
    (or in any category for a member without orders). Read-only; may be shorter than `limit` in a tiny shop.
    """
    as_of = as_of or shop_today()
    since = shop_day_start(as_of - dt.timedelta(days=_setting("ANALYTICS_RECENT_PURCHASE_DAYS", 60) - 1))
    window_start = shop_day_start(as_of - dt.timedelta(days=_setting("ANALYTICS_COOCCURRENCE_DAYS", 365) - 1))
    chosen = _co_bought(member, since=since, window_start=window_start, limit=limit)
    if len(chosen) < limit:
        chosen += _popular_in_favourite_categories(
            member, since=since, window_start=window_start, exclude=chosen, limit=limit - len(chosen)
        )
    return _in_order(chosen)
