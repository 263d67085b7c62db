"""Member export (customers.exporting); here rather than in customers because --segment reads segments."""
import csv

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from customers.exporting import member_export_header, member_export_rows
from customers.models import Member

from ...selectors import segment_members

PROGRESS_EVERY = 10_000


class Command(BaseCommand):
    help = (
        "Export members as CSV with a header row: external_id, then every column apps register in "
        "customers.export_columns (profile, consents, tier, balance, lifecycle stage, …), then one attr:<key> "
        "column per attribute definition (several choices joined with |). Timestamps are ISO 8601 in the shop's "
        "zone. The file can be imported again with import_members. Writes to stdout unless --output is given; "
        "progress goes to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--segment", metavar="SLUG", help="Export only the members of this segment.")
        parser.add_argument("--output", metavar="FILE", help="Write the CSV to FILE instead of stdout.")
        parser.add_argument("--chunk-size", type=int, default=2000, help="Members fetched per round trip (default 2000).")

    def handle(self, *args, **options):
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        members = _segment_members(options["segment"]) if options["segment"] else Member.objects.all()
        header = member_export_header()
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as stream:
                count = self._write(stream, members, header, options["chunk_size"])
            self.stderr.write(f"Exported {count} members to {options['output']}.")
        else:
            count = self._write(_Unterminated(self.stdout), members, header, options["chunk_size"])
            self.stderr.write(f"Exported {count} members.")

    def _write(self, stream, members, header, chunk_size) -> int:
        writer = csv.writer(stream)
        writer.writerow(header)
        count = 0
        for count, row in enumerate(member_export_rows(members, header=header, chunk_size=chunk_size), start=1):
            writer.writerow(row)
            if count % PROGRESS_EVERY == 0:
                self.stderr.write(f"{count} members exported…")
        return count


class _Unterminated:
    """Lets csv.writer write through the command's stdout wrapper, which would add its own line endings."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")


def _segment_members(slug):
    try:
        return segment_members(slug)
    except (ObjectDoesNotExist, DomainError, LookupError):
        raise CommandError(f"Unknown segment {slug!r}.") from None
