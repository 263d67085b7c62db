"""Files staff upload on the admin's import pages: CSV (read as the commands read it) or an Excel workbook,
with the file's own header names mapped to the columns an import knows.

Both sources yield what `run_import` expects: `header`, then (line, {column: text}, problem) per row, so the
admin runs the very importers the commands run.
"""
import datetime as dt
import decimal
import re
from contextlib import contextmanager
from pathlib import Path

from django.utils.translation import gettext as _

from .source import HeaderError, header_check, open_csv

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
UPLOAD_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES
IGNORE = ""  # a mapping target: the column is not imported


def xlsx_cell_text(value) -> str:
    """A cell as the text a CSV export of it would hold, for the same cell parsers: dates ISO, whole numbers
    without ".0" (a phone or an id typed as a number), other numbers with a decimal point."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # Excel stores every date as a date-time: midnight is a date (a birth date), read as one.
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    return str(value)


class XlsxSource:
    """The first sheet of a workbook, streamed in openpyxl's read-only mode; row 1 is the header.

    The line number is the sheet's row number, as the spreadsheet shows it.
    """

    encoding = "xlsx"

    def __init__(self, path):
        from openpyxl import load_workbook

        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a damaged file
            raise HeaderError([_("The file is not a readable Excel workbook (.xlsx): %(error)s.") % {"error": exc}]) from None
        sheet = self.workbook.worksheets[0]
        self._rows = sheet.iter_rows(values_only=True)
        first = next(self._rows, None)
        header = [xlsx_cell_text(value).strip() for value in (first or ())]
        while header and not header[-1]:
            header.pop()
        if not any(header):
            self.close()
            raise HeaderError([_("The first sheet is empty or its first row is blank; expected a header row.")])
        self.header = header_check(header)

    def __iter__(self):
        width = len(self.header)
        for line, values in enumerate(self._rows, start=2):
            cells = [xlsx_cell_text(value) for value in values]
            if not any(cell.strip() for cell in cells):
                continue
            if any(cell.strip() for cell in cells[width:]):
                yield line, None, _("Expected %(expected)s values, found a value beyond the header's last column.") % {
                    "expected": width}
                continue
            cells += [""] * (width - len(cells))
            yield line, dict(zip(self.header, cells[:width])), None

    def close(self):
        self.workbook.close()


class RemappedSource:
    """A source whose header names are replaced by `mapping` ({file's name: known column, or "" to skip it}).

    Names the mapping leaves out keep their own name. `file_column(column)` gives back the file's name of a
    known column, so a bad-rows report speaks of the columns the staff member sees in the file.
    """

    def __init__(self, source, mapping: dict):
        self.source = source
        self.encoding = getattr(source, "encoding", None)
        renamed = {name: mapping.get(name, name) for name in source.header}
        self.header = header_check_mapped(renamed)
        self._renamed = {name: target for name, target in renamed.items() if target != IGNORE}
        self._file_names = {target: name for name, target in self._renamed.items()}

    def file_column(self, column: str) -> str:
        return self._file_names.get(column, column)

    def __iter__(self):
        for line, raw, problem in self.source:
            if raw is None:
                yield line, None, problem
            else:
                yield line, {target: raw[name] for name, target in self._renamed.items()}, problem


def header_check_mapped(renamed: dict) -> list[str]:
    targets = [target for target in renamed.values() if target != IGNORE]
    twice = sorted({target for target in targets if targets.count(target) > 1})
    if twice:
        raise HeaderError([
            _("Column %(column)s is taken from more than one column of the file: %(names)s.")
            % {"column": repr(target), "names": ", ".join(name for name, to in renamed.items() if to == target)}
            for target in twice
        ])
    return targets


@contextmanager
def open_upload(path):
    """The stored upload at `path` as a source: a workbook by its suffix, else CSV (encoding and delimiter
    detected as the commands detect them). Raises HeaderError for an unreadable header."""
    if Path(path).suffix.lower() in XLSX_SUFFIXES:
        source = XlsxSource(path)
        try:
            yield source
        finally:
            source.close()
    else:
        with open_csv(path) as source:
            yield source


def _normalised(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


def mapping_suggest(header: list[str], known: list[str]) -> dict:
    """A first mapping: a header that names a known column (in any case, with spaces or hyphens for
    underscores) maps to it; any other maps to "" (skipped) until staff choose."""
    by_normalised = {_normalised(name): name for name in known}
    return {name: by_normalised.get(_normalised(name), IGNORE) for name in header}
