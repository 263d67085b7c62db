from customers.importing.command import COMMON_HELP, ImportCommand
from loyalty.importing.products import ProductImporter


class Command(ImportCommand):
    help = """Import or update the product catalogue from a CSV file, keyed by sku.

Columns (sku and name are required in the header):
  sku                   the product's code
  name                  its name
  category              a category path, levels separated by "/": Дети/Игрушки; missing categories
                        and their parents are created; empty: no category
  brand
  price                 the shelf price, a decimal with at most 2 places (a decimal comma is accepted)
  image_url, url        web addresses (http or https) of the picture and of the product's page

Columns left out of the header are not changed, so "sku,name,price" only updates names and prices;
an empty cell clears a value. Segment conditions ("bought in category") and category earning rules
on a category cover every category under it.
""" + COMMON_HELP

    def build_importer(self, options):
        return ProductImporter()
