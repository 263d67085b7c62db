"""`import_products`: the catalogue, products upserted by sku, categories created by path with their parents."""
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from customers.importing import cells
from customers.importing.schema import Column, RowSchema
from customers.importing.upsert import BatchOutcome, FirstSeen, changed, upsert
from loyalty.models import Product
from loyalty.services.catalogue import categories_ensure, category_path_clean

_url_valid = URLValidator(schemes=["http", "https"])


def _url(value):
    try:
        _url_valid(value)
    except ValidationError:
        raise ValueError(_("Not a web address; expected http://… or https://….")) from None
    return cells.text(2048)(value)


PRODUCT_COLUMNS = [
    Column("sku", cells.text(64), required=True, in_header=True),
    Column("name", cells.text(255), required=True, in_header=True),
    Column("category", category_path_clean, empty=None),
    Column("brand", cells.text(128)),
    Column("price", cells.money(places=2, max_digits=12), empty=None),
    Column("image_url", _url),
    Column("url", _url),
]
FIELDS = {"name": "name", "category": "category_id", "brand": "brand", "price": "price", "image_url": "image_url",
          "url": "url"}


class ProductImporter:
    """Upserts products by sku.

    Columns the header names are set exactly as the file says (an empty cell clears the value); columns it
    leaves out are left alone, so a file of `sku,name,price` only updates names and prices. A category is a
    path such as `Дети/Игрушки`; missing categories and their parents are created. Products that are not in
    the file are left alone. One sku twice in the file is a bad row.
    """

    kind = "products"

    def __init__(self):
        self.schema = RowSchema(PRODUCT_COLUMNS)
        self.seen = FirstSeen()
        self.fields: list[str] = []

    def bind(self, header):
        ignored = self.schema.bind(header)
        self.fields = [FIELDS[c.name] for c in self.schema.present if c.name in FIELDS]
        return ignored

    def accept(self, row):
        self.seen.reject_repeat(row, "sku")
        return row

    def may_split(self, previous, row):
        return True

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        category_ids = {}
        if "category_id" in self.fields:
            category_ids, created = categories_ensure({row.values["category"] for row in rows if row.values["category"]})
            if created:
                outcome.extra["categories created"] = created
        stored = {product["sku"]: product for product in Product.objects.filter(sku__in=[row.values["sku"] for row in rows])
                  .values("sku", *self.fields)}
        to_write = []
        for row in rows:
            values = {field: row.values[column] for column, field in FIELDS.items() if field in self.fields}
            if "category_id" in values:
                values["category_id"] = category_ids.get(values["category_id"])
            current = stored.get(row.values["sku"])
            if current is not None and not changed(current, values):
                outcome.unchanged += 1
                continue
            if current is None:
                outcome.created += 1
            else:
                outcome.updated += 1
            # The INSERT half of the upsert needs the fields the file leaves out too: the stored ones, or defaults.
            to_write.append(Product(**{**(current or {}), **values, "sku": row.values["sku"]}))
        upsert(Product, objects=to_write, unique_fields=["sku"], update_fields=self.fields)
        return outcome
