from customers.importing.command import COMMON_HELP, ImportCommand
from loyalty.importing.points import PointsImporter


class Command(ImportCommand):
    help = """Import opening balances from a previous loyalty programme, one lot of points per row.

Columns (the first three are required in the header):
  row_id                the row's id in the previous programme's export; each is imported once, ever
  member_external_id    the member's external_id; an unknown member is a bad row
  points                a whole number (spaces between thousands are fine); 0 is skipped
  expires_on            a date, not in the past; empty: the programme's validity rule from today

Each row is one "opening" ledger entry with its own lot, spent oldest-expiry first like any other
points and expired by the nightly pass on its date; the members' cached balances move with it, so
check_ledger holds. Re-importing the file changes nothing; a row id imported before with other
points or another date is a bad row (the ledger is append-only: correct it with an adjustment).
""" + COMMON_HELP

    def build_importer(self, options):
        return PointsImporter()
