import os

from customers.importing.command import COMMON_HELP, ImportCommand
from customers.importing.members import MemberImporter


class Command(ImportCommand):
    help = """Import or update members from a CSV file, keyed by external_id.

Columns (only external_id is required in the header):
  external_id           the shop's customer id
  email, phone, first_name, last_name, region, city
  gender                f, m, female, male, ж, м, or empty
  birth_date            a date, not in the future
  registered_at         a timestamp; required for a new member, empty keeps the stored one
  registration_channel  web, app, pos or import; empty keeps the stored one (import for a new member)
  attr:<key>            one zero-party attribute per column, checked against its definition;
                        several choices are separated by |, an empty cell clears the attribute
  consent:<purpose>     personal_data, email, sms or push: yes or no (1/0, true/false, yes/no,
                        да/нет) or the date and time it was given (granted then); empty leaves it
  phone                 any form dialled in settings.SHOP_PHONE_REGION; stored in E.164

Each consent state is recorded as proof (method import, source the file's name, the given time or
the import's start), unless already proven: re-importing a file, or an export of the same data,
adds no proof. A state older than the member's latest consent record is kept as proof only.

Columns left out of the header are not changed, so "external_id,email" only updates emails; an
empty cell clears a value. An attr: column naming an attribute that is not defined stops the import
(define the attribute first). Columns of export_members that cannot be imported (tier, balance,
...) are ignored with a note, so an export can be imported again.
""" + COMMON_HELP

    def build_importer(self, options):
        return MemberImporter(source_name=os.path.basename(options["file"]))
