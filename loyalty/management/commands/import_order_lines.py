from customers.importing.command import COMMON_HELP, ImportCommand
from loyalty.importing.order_lines import OrderLineImporter


class Command(ImportCommand):
    help = """Import or update order lines from a CSV file, keyed by (order, product).

Columns (product_name and category may be left out):
  order_external_id     the order's external_id (in --source); an unknown order is a bad row
  sku                   the product; a new sku creates a product named product_name (or the sku)
  product_name          used only when the product is created; existing products are not renamed
  category              a category path such as Дети/Игрушки (or a flat name), created with its parents
                        if missing; used only when the product is created
  quantity              a decimal with at most 3 places, greater than zero
  unit_price            a decimal with at most 2 places, not negative

An order keeps one line per product: rows repeating a sku in one order are merged by adding their
quantities when the unit price is the same; a repeat at another price is a bad row. The rows of an
order must be consecutive in the file (rows of an order that reappears later are rejected). Lines
already stored but not in the file are left alone.
""" + COMMON_HELP

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", default="shop", help='The system the order ids belong to (default "shop").')

    def build_importer(self, options):
        return OrderLineImporter(source=options["source"])
