import os

from customers.importing.command import COMMON_HELP, ImportCommand
from customers.importing.engagement import EngagementImporter


class Command(ImportCommand):
    help = """Import an ESP's engagement history (sends, opens, clicks, ...) from a CSV file.

Columns (the first three are required in the header):
  member_external_id    the member's external_id; an unknown member is a bad row
  kind                  sent, delivered, open, click, bounce, complaint or unsubscribe
                        (also: opened, clicked, bounced, spam, unsubscribed)
  occurred_at           a timestamp, not in the future
  channel               email, sms or push (empty: email)
  campaign              the campaign's name
  url                   the link clicked

An event is identified by all six values: an event already imported (from this file or an earlier
one) is counted as unchanged and never written twice, so the file can be imported again or in
overlapping parts. Opens feed the segment builder's engagement conditions and the statistics' open
hours (best hour to send) from the first day. An unsubscribe or complaint withdraws the consent of its
channel with proof (method import, source the file's name, the event's time), unless the member's
latest consent record already says withdrawn; a grant recorded after it keeps the member's consent.
""" + COMMON_HELP

    def build_importer(self, options):
        return EngagementImporter(source_name=os.path.basename(options["file"]))
