from customers.importing.command import COMMON_HELP, ImportCommand
from loyalty.importing.orders import OrderImporter


class Command(ImportCommand):
    help = """Import or update orders from a CSV file, keyed by (--source, external_id).

Columns (the first five are required in the header):
  external_id           the order's id in the source system
  member_external_id    the member's external_id; an unknown member is a bad row unless --create-members
  created_at            a timestamp
  total                 a decimal with at most 2 places, not negative (a decimal comma is accepted)
  status                completed, returned, cancelled or pending (empty: completed)
  currency              3 capital letters, e.g. RUB (empty: settings.SHOP_CURRENCY)
  channel               web, app or store (empty: store)
  store                 the store's code or name

An order that already belongs to another member is a bad row: orders never move between members.
The same external_id twice in the file: the later row is rejected. Importing orders does not award
points; it records purchase history for stages, RFM and segments.
""" + COMMON_HELP

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", default="shop", help='The system the order ids belong to (default "shop").')
        parser.add_argument(
            "--create-members", action="store_true",
            help="Create a bare member (channel import, registered at the earliest order) for an unknown member id.",
        )

    def build_importer(self, options):
        return OrderImporter(source=options["source"], create_members=options["create_members"])
