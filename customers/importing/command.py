"""The options and output every import command shares."""
import argparse
import codecs
import csv

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from .report import ErrorReport
from .runner import run_import
from .source import HeaderError, delimiter_option, open_csv

COMMON_HELP = """
The file has a header row. Its encoding is detected: UTF-8 (with or without a byte-order mark), else
Windows-1251 as Excel saves it in a Russian locale (--encoding forces one). The delimiter (comma,
semicolon or tab) is detected from the header (--delimiter forces one). Re-importing the same file changes nothing:
rows are upserted by their natural key. Rows are written in batches (--batch-size), each batch in
its own transaction; progress goes to stderr after every batch. Every bad row is reported on stderr
as "line N, column C: reason" (and to --errors FILE as CSV), the good rows are kept, and the command
exits with status 1 if any row was rejected. A header problem (a missing or unknown column) stops
the import before anything is written.

Dates: YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY. Timestamps: ISO 8601 ("2024-03-01T10:00:00+03:00",
"2024-03-01 10:00:00"), DD.MM.YYYY HH:MM or a bare date; without a zone they are read in
settings.SHOP_TIME_ZONE. Amounts take a decimal point or comma, and spaces or no-break spaces between
thousands ("1 234,50"). Phones are read in settings.SHOP_PHONE_REGION and stored in E.164.
After the import commits, the signal customers.signals.import_finished is sent.
"""


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the help text's own paragraphs and column lists."""


class ImportCommand(BaseCommand):
    """Subclasses set `help` and implement `build_importer(options)`."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file to import.")
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows written per batch (default 5000).")
        parser.add_argument("--workers", type=int, default=1, help="Processes cleaning the rows (default 1; 2 lets a "
                                                                    "second core parse while the database writes).")
        parser.add_argument("--errors", metavar="FILE", help="Also write the bad rows as CSV: line,column,value,reason.")
        parser.add_argument("--encoding", help="The file's encoding, e.g. utf-8 or cp1251 (default: detected).")
        parser.add_argument("--delimiter", help="The column delimiter: a character, comma, semicolon or tab "
                                                 "(default: detected from the header).")

    def build_importer(self, options):
        raise NotImplementedError

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["encoding"]:
            try:
                codecs.lookup(options["encoding"])
            except LookupError:
                raise CommandError(f"Unknown encoding {options['encoding']!r}.") from None
        if options["delimiter"] and len(delimiter_option(options["delimiter"])) != 1:
            raise CommandError("--delimiter must be one character, comma, semicolon or tab.")
        importer = self.build_importer(options)
        errors = None
        try:
            errors = ErrorReport(self.stderr, options["errors"])
            with open_csv(options["file"], encoding=options["encoding"], delimiter=options["delimiter"]) as source:
                if not options["encoding"] and source.encoding != "utf-8-sig":
                    self.stderr.write(f"The file is not UTF-8; reading it as {source.encoding} (--encoding forces another).")
                ignored = importer.bind(source.header)
                if ignored:
                    self.stderr.write(f"Ignoring columns this import does not write: {', '.join(ignored)}.")
                summary = run_import(
                    importer=importer, source=source, batch_size=options["batch_size"], errors=errors,
                    workers=options["workers"],
                    progress=lambda s: self.stderr.write(f"{s.kind}: {s.read} rows read, {s.written} written, {s.rejected} rejected"),
                )
        except HeaderError as exc:
            raise CommandError("The file was not imported:\n" + "\n".join(exc.problems)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read or write a file: {exc}") from None
        except csv.Error as exc:
            # The batches before the broken line are committed; fix the file and run it again.
            raise CommandError(f"The file is not valid CSV: {exc}") from None
        finally:
            if errors:
                errors.close()
        self.stdout.write(str(summary))
        if summary.rejected:
            raise CommandError(f"{summary.rejected} rows were rejected (see the report above); the other rows were imported.")
