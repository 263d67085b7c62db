"""Orders and order lines for one chunk of members, vectorised over all of the chunk's orders."""
import numpy as np

from .members import _day_times
from .personas import CANCELLED_SHARE, ONE_TIME, PERSONAS, RETURNED_SHARE

ORDER_COLUMNS = ["id", "source", "external_id", "member_id", "created_at", "status", "total", "currency",
                 "channel", "store", "updated_at"]
LINE_COLUMNS = ["id", "order_id", "product_id", "quantity", "unit_price"]
FAVOURITES = 4


def _money(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _segment_cumsum(values, counts):
    """Cumulative sums restarting at each segment; segments are consecutive runs of `counts` items."""
    totals = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    base = totals[starts] - values[starts]
    return totals - np.repeat(base, counts)


class OrderChunk:
    def __init__(self, rng, members, catalogue, *, first_order_id, first_line_id, product_ids, as_of, now_text):
        interval = np.array([p.interval_days or 1.0 for p in PERSONAS])[members.persona]
        shape = np.array([p.regularity for p in PERSONAS])[members.persona]
        lapses = np.array([p.lapses for p in PERSONAS])[members.persona]
        span = -members.first_active_day  # days from first possible purchase to as_of
        stop = np.where(lapses, members.first_active_day + rng.random(members.count) * span, 0)
        slots = np.where(members.persona == ONE_TIME, 1, np.minimum(np.ceil(span / interval * 1.6) + 2, 400)).astype(int)

        owner = np.repeat(np.arange(members.count), slots)
        gaps = rng.gamma(shape[owner], interval[owner] / shape[owner])
        first_slot = np.cumsum(slots) - slots
        # The first purchase comes some time after the first possible day, not on it.
        gaps[first_slot] = rng.random(members.count) * np.minimum(interval * 1.5, span)
        day = members.first_active_day[owner] + np.floor(_segment_cumsum(gaps, slots)).astype(int)
        keep = (day <= 0) & (day <= stop[owner])
        owner, day = owner[keep], day[keep]
        self.count = len(owner)
        self.ids = np.arange(first_order_id, first_order_id + self.count)
        self.owner = owner
        self.day = day

        shop_seconds = rng.integers(9 * 3600, 22 * 3600, size=self.count)  # Moscow shop hours
        self.created_at = _day_times(as_of, day, shop_seconds - 3 * 3600)
        roll = rng.random(self.count)
        self.status = np.where(roll < RETURNED_SHARE, "returned",
                               np.where(roll < RETURNED_SHARE + CANCELLED_SHARE, "cancelled", "completed"))
        recent = day >= -1
        self.status = np.where(recent & (rng.random(self.count) < 0.3), "pending", self.status)
        own_channel = members.sales_channel[owner]
        other = rng.choice(np.array(["store", "web", "app"]), size=self.count)
        self.channel = np.where(rng.random(self.count) < 0.8, own_channel, other)
        self._lines(rng, members, catalogue, product_ids, first_line_id)
        self._now_text = now_text

    def _lines(self, rng, members, catalogue, product_ids, first_line_id):
        # Each member has favourite products in their favourite categories: the "usual basket".
        per_category = catalogue.size // len(catalogue.category_names)
        favourite_category = members.favourite_categories[:, :1].repeat(FAVOURITES, axis=1)
        favourite_category[:, FAVOURITES // 2:] = members.favourite_categories[:, 1:2]
        favourites = favourite_category * per_category + rng.integers(0, per_category // 5, size=favourite_category.shape)

        p_line = np.minimum(0.9, 0.22 * members.basket_factor[self.owner])
        lines_per_order = 1 + rng.binomial(6, p_line)
        line_order = np.repeat(np.arange(self.count), lines_per_order)
        from_favourites = rng.random(len(line_order)) < 0.6
        favourite_pick = favourites[self.owner[line_order], rng.integers(0, FAVOURITES, size=len(line_order))]
        popular_pick = rng.choice(catalogue.size, size=len(line_order), p=catalogue.product_popularity)
        product = np.where(from_favourites, favourite_pick, popular_pick)
        # A product appears once per order.
        _, first = np.unique(line_order * catalogue.size + product, return_index=True)
        first.sort()
        line_order, product = line_order[first], product[first]
        quantity = 1 + np.minimum(rng.poisson(0.35 * members.basket_factor[self.owner[line_order]]), 9)
        # Money in whole kopecks, so that an order's total is exactly the sum of its lines.
        price = np.rint(catalogue.product_price[product] * 100).astype(np.int64)
        self.total = np.bincount(line_order, weights=quantity * price, minlength=self.count).astype(np.int64)
        self.line_ids = np.arange(first_line_id, first_line_id + len(line_order))
        self.line_order, self.line_product = line_order, product_ids[product]
        self.line_quantity, self.line_price = quantity, price

    def order_rows(self, member_ids, currency):
        totals = [_money(value) for value in self.total.tolist()]
        stores = {"store": "store-{}"}
        for i in range(self.count):
            order_id = int(self.ids[i])
            channel = str(self.channel[i])
            yield (
                order_id, "shop", f"O{order_id:08d}", int(member_ids[self.owner[i]]), self.created_at[i],
                str(self.status[i]), totals[i], currency, channel,
                stores[channel].format(order_id % 40 + 1) if channel in stores else "", self._now_text,
            )

    def line_rows(self):
        prices = [_money(value) for value in self.line_price.tolist()]
        order_ids = self.ids[self.line_order].tolist()
        for line_id, order_id, product, quantity, price in zip(
            self.line_ids.tolist(), order_ids, self.line_product.tolist(), self.line_quantity.tolist(), prices
        ):
            yield (line_id, order_id, product, quantity, price)
