from customers.importing.command import COMMON_HELP, ImportCommand
from loyalty.importing.tiers import TierImporter


class Command(ImportCommand):
    help = """Import members' tiers from a previous loyalty programme.

Columns (the first two are required in the header):
  member_external_id    the member's external_id; an unknown member is a bad row
  tier                  the tier's slug, as in the admin (create the tiers first)
  valid_until           a date: the tier review does not downgrade the member on or before it, and on
                        the first review after it downgrades a member below the tier at once (no
                        second grace period); empty: the usual rules, grace period included

The file sets the tier as the previous programme had it, even below the tier a member holds here;
each change is written to the tier history. Re-importing the file changes nothing.
""" + COMMON_HELP

    def build_importer(self, options):
        return TierImporter()
