"""`import_order_lines`: lines upserted by (order, product); products and categories created as needed."""
from django.db import connection
from django.utils.translation import gettext as _

from customers.importing import cells
from customers.importing.sql_cells import category_path_cell
from customers.importing.report import RowError
from customers.importing.schema import Column, Row, RowRejected, RowSchema
from customers.importing.sql_cleaning import accept_in_order, sql_clean, stage_discard
from customers.importing.upsert import BatchOutcome, changed, upsert
from loyalty.models import Order, OrderLine, Product
from loyalty.models.orders import PATH_SEPARATOR
from loyalty.services.catalogue import NAME_MAX, categories_ensure, category_path_clean

STAGE = "import_line_stage"
# Orders found by a join on their natural key; every row of an order not stored is taken out (and reported).
STAGED_ORDERS = """
    UPDATE import_line_stage s SET order_id = o.id FROM loyalty_order o
    WHERE o.source = %(source)s AND o.external_id = s.order_external_id
"""
STAGED_UNKNOWN_ORDERS = "DELETE FROM import_line_stage WHERE order_id IS NULL RETURNING line, order_external_id"
# A sku repeated in an order: at the first row's unit price it is merged into that row, at another price refused.
STAGED_REPEATS = """
    SELECT line, first_line, first_price::text, unit_price::text, unit_price = first_price AS merged
    FROM (SELECT line, unit_price, first_value(line) OVER w AS first_line, first_value(unit_price) OVER w AS first_price
          FROM import_line_stage WINDOW w AS (PARTITION BY order_id, sku ORDER BY line)) repeats
    WHERE line <> first_line
"""
# The first row naming each new sku (in file order) names its product and category.
STAGED_NEW_PRODUCTS = """
    SELECT DISTINCT ON (sku) line, sku, product_name, category FROM import_line_stage s
    WHERE NOT EXISTS (SELECT 1 FROM loyalty_product p WHERE p.sku = s.sku)
    ORDER BY sku, line
"""
STAGED_PRODUCTS = "UPDATE import_line_stage s SET product_id = p.id FROM loyalty_product p WHERE p.sku = s.sku"
# The merged rows of a (order, product) share one unit price: the clashing ones were taken out.
# {lines}: the stage, or its rows merged per (order, product) when a sku repeats in the batch.
STAGED_UPSERT = """
    WITH written AS (
        INSERT INTO loyalty_orderline (order_id, product_id, quantity, unit_price, returned_quantity)
        SELECT order_id, product_id, quantity, unit_price, 0 FROM {lines} lines
        ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity, unit_price = EXCLUDED.unit_price
        WHERE (loyalty_orderline.quantity, loyalty_orderline.unit_price)
              IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.unit_price)
        RETURNING (xmax = 0) AS inserted, order_id
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
           (SELECT array_agg(DISTINCT o.member_id) FROM loyalty_order o WHERE o.id IN (SELECT order_id FROM written))
    FROM written
"""

LINE_COLUMNS = [
    Column("order_external_id", cells.text(64), required=True, in_header=True),
    Column("sku", cells.text(64), required=True, in_header=True),
    Column("product_name", cells.text(255)),
    Column("category", category_path_clean, sql=category_path_cell(name_max=NAME_MAX, separator=PATH_SEPARATOR)),
    Column("quantity", cells.money(places=3, max_digits=10, strictly_positive=True), required=True, in_header=True),
    Column("unit_price", cells.money(places=2, max_digits=12), required=True, in_header=True),
]


class OrderLineImporter:
    """Upserts order lines by (order, product).

    An order keeps one line per product, so rows repeating a sku within one order are merged: their
    quantities are added when the unit price is the same (a product scanned twice), and a row with a
    different unit price is rejected rather than averaged. To merge within one pass, the rows of an
    order must be consecutive in the file (as shops export them): batches never split an order, and
    rows of an order that reappears after other orders are rejected.

    Products are matched by sku and categories by path (`Дети/Игрушки`; a flat name is a top-level
    category); missing ones, with their parent categories, are created from the first row naming them
    (an empty product name becomes the sku). Existing products are never renamed here. Lines already
    stored but absent from the file are left alone.
    """

    kind = "order_lines"
    cleans_in_sql = True  # large batches are cleaned and written in PostgreSQL (write_raw)

    def __init__(self, *, source="shop"):
        self.source = source
        self.schema = RowSchema(LINE_COLUMNS)
        self.order_first_line: dict[str, int] = {}
        self.current_order = None

    def bind(self, header):
        return self.schema.bind(header)

    def accept(self, row):
        order = row.values["order_external_id"]
        if order != self.current_order:
            first = self.order_first_line.setdefault(order, row.line)
            if first != row.line:
                raise RowRejected([RowError(
                    row.line, "order_external_id",
                    _("The rows of this order must be consecutive in the file; they began on line %(line)s.") % {"line": first},
                    order,
                )])
            self.current_order = order
        return row

    def may_split(self, previous, row):
        # Stripped: raw rows (sql_cleaning) reach here uncleaned.
        return previous.values["order_external_id"].strip() != row.values["order_external_id"].strip()

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        orders = {
            external_id: (order_id, member_id)
            for external_id, order_id, member_id in Order.objects.filter(
                source=self.source, external_id__in={row.values["order_external_id"] for row in rows}
            ).values_list("external_id", "id", "member_id")
        }
        known = []
        for row in rows:
            if row.values["order_external_id"] in orders:
                known.append(row)
            else:
                outcome.errors.append(RowError(
                    row.line, "order_external_id", _("Unknown order; import the orders first."), row.values["order_external_id"]
                ))
        lines = self._merged(known, outcome)
        products = self._product_ids(lines, outcome)
        stored = {
            (line["order_id"], line["product_id"]): line
            for line in OrderLine.objects.filter(order_id__in={order_id for order_id, _ in orders.values()})
            .values("order_id", "product_id", "quantity", "unit_price")
        }
        to_write = []
        for row in lines:
            order_id, member_id = orders[row.values["order_external_id"]]
            product_id = products[row.values["sku"]]
            values = {"quantity": row.values["quantity"], "unit_price": row.values["unit_price"]}
            current = stored.get((order_id, product_id))
            if current is not None and not changed(current, values):
                outcome.unchanged += 1
                continue
            if current is None:
                outcome.created += 1
            else:
                outcome.updated += 1
            to_write.append(OrderLine(order_id=order_id, product_id=product_id, **values))
            outcome.member_ids.add(member_id)
        upsert(OrderLine, objects=to_write, unique_fields=["order", "product"], update_fields=["quantity", "unit_price"])
        return outcome

    def write_raw(self, rows) -> BatchOutcome:
        """The same cleaning, checks, merging and upsert as `write`, for a batch of raw text rows, in PostgreSQL
        (customers.importing.sql_cleaning): orders and products are found by joins on their natural keys, and
        unchanged lines are not rewritten."""
        outcome = BatchOutcome()
        with connection.cursor() as cursor:
            outcome.errors = sql_clean(cursor, schema=self.schema, rows=rows, stage=STAGE,
                                       extra_columns=[("order_id", "bigint"), ("product_id", "bigint")])
            scattered = accept_in_order(self, rows, {error.line for error in outcome.errors}, ["order_external_id"])
            stage_discard(cursor, STAGE, {error.line for error in scattered})
            outcome.errors.extend(scattered)
            cursor.execute(f"ANALYZE {STAGE}")  # the joins that follow plan by its real size
            cursor.execute(STAGED_ORDERS, {"source": self.source})
            cursor.execute(STAGED_UNKNOWN_ORDERS)
            outcome.errors.extend(
                RowError(line, "order_external_id", _("Unknown order; import the orders first."), order)
                for line, order in cursor.fetchall()
            )
            cursor.execute(STAGED_REPEATS)
            clashes = []
            for line, first_line, first_price, unit_price, merged in cursor.fetchall():
                if merged:
                    outcome.extra["rows merged"] = outcome.extra.get("rows merged", 0) + 1
                    continue
                clashes.append(line)
                outcome.errors.append(RowError(
                    line, "unit_price", _("The same sku is on line %(line)s of this order at %(price)s; an order keeps one line per product.")
                    % {"line": first_line, "price": first_price}, unit_price,
                ))
            stage_discard(cursor, STAGE, clashes)
            cursor.execute(STAGED_NEW_PRODUCTS)
            new_products = [Row(line, {"sku": sku, "product_name": name, "category": category})
                            for line, sku, name, category in cursor.fetchall()]
            if new_products:
                self._product_ids(new_products, outcome)
            cursor.execute(STAGED_PRODUCTS)
            merged = outcome.extra.get("rows merged", 0)
            kept = len(rows) - len({error.line for error in outcome.errors}) - merged
            cursor.execute(STAGED_UPSERT.replace("{lines}", f"""(
                SELECT order_id, product_id, sum(quantity) AS quantity, min(unit_price) AS unit_price FROM {STAGE}
                GROUP BY order_id, product_id)""" if merged else STAGE))
            created, updated, member_ids = cursor.fetchone()
        outcome.created, outcome.updated = created, updated
        outcome.unchanged = kept - created - updated
        outcome.member_ids.update(member_ids or ())
        return outcome

    def _merged(self, rows, outcome):
        """One row per (order, sku): same-price repeats add their quantity, other prices are rejected."""
        merged = {}
        for row in rows:
            key = (row.values["order_external_id"], row.values["sku"])
            first = merged.get(key)
            if first is None:
                merged[key] = row
                continue
            if first.values["unit_price"] == row.values["unit_price"]:
                first.values["quantity"] += row.values["quantity"]
                outcome.extra["rows merged"] = outcome.extra.get("rows merged", 0) + 1
            else:
                outcome.errors.append(RowError(
                    row.line, "unit_price",
                    _("The same sku is on line %(line)s of this order at %(price)s; an order keeps one line per product.")
                    % {"line": first.line, "price": first.values["unit_price"]}, str(row.values["unit_price"]),
                ))
        return list(merged.values())

    def _product_ids(self, rows, outcome) -> dict:
        skus = {row.values["sku"] for row in rows}
        product_ids = dict(Product.objects.filter(sku__in=skus).values_list("sku", "id"))
        new = {}
        for row in rows:
            sku = row.values["sku"]
            if sku not in product_ids and sku not in new:
                new[sku] = row.values
        if not new:
            return product_ids
        category_ids = self._category_ids({values["category"] for values in new.values() if values.get("category")}, outcome)
        # ignore_conflicts: another import running at the same time may create the same sku first.
        Product.objects.bulk_create([
            Product(sku=sku, name=values.get("product_name") or sku, category_id=category_ids.get(values.get("category")))
            for sku, values in new.items()
        ], ignore_conflicts=True)
        outcome.extra["products created"] = len(new)
        product_ids.update(Product.objects.filter(sku__in=new).values_list("sku", "id"))
        return product_ids

    def _category_ids(self, paths, outcome) -> dict:
        ids, created = categories_ensure(paths)
        if created:
            outcome.extra["categories created"] = created
        return ids
