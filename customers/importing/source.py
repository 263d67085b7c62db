"""Reading a CSV file as a stream of (line number, {column: text}) without loading it whole.

Files come from spreadsheets and other systems as they are: UTF-8 with or without a byte-order mark, or
Windows-1251 (Excel in a Russian locale); separated by commas, semicolons or tabs.
"""
import codecs
import csv
from contextlib import contextmanager

from django.utils.translation import gettext as _

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
FALLBACK_ENCODING = "cp1251"
_SCAN_CHUNK = 1 << 20


class HeaderError(Exception):
    """The file cannot be imported at all: no header, a missing or unknown column. Nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def header_check(header: list[str]) -> list[str]:
    """The header as given; HeaderError when a column name appears twice."""
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise HeaderError([_("Column %(column)s appears more than once in the header.") % {"column": repr(name)}
                           for name in duplicated])
    return header


def detect_encoding(path) -> str:
    """`utf-8-sig` when the whole file decodes as UTF-8 (a byte-order mark or not), else cp1251.

    The file is scanned once, in chunks, before the import starts: a cp1251 file whose first Cyrillic
    letter sits a million rows down must not be half imported before the mistake shows.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as stream:
        try:
            while chunk := stream.read(_SCAN_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8-sig"


def delimiter_option(value: str | None) -> str | None:
    """A --delimiter value: the character itself, or comma / semicolon / tab (also written \\t)."""
    if not value:
        return None
    return DELIMITER_NAMES.get(value.lower(), value)


def sniff_delimiter(header_line: str) -> str:
    # Spreadsheets in a Russian locale save ";"-separated files; column names never contain these.
    return max(DELIMITERS, key=header_line.count)


class CsvSource:
    """An open CSV file: `header` is its stripped column names, iterating yields (line, row dict).

    The line number is where the row starts in the file (a quoted value may span several lines),
    so it matches what the user sees in an editor. Blank lines are skipped.
    """

    def __init__(self, stream, delimiter=None):
        self.stream = stream
        first = stream.readline().lstrip("\ufeff")  # a BOM left by an encoding forced to plain utf-8
        if not first.strip():
            raise HeaderError(["The file is empty or its first line is blank; expected a header row."])
        self.delimiter = delimiter or sniff_delimiter(first)
        self.header = header_check([name.strip() for name in next(csv.reader([first], delimiter=self.delimiter))])
        self._reader = csv.reader(stream, delimiter=self.delimiter)

    def __iter__(self):
        width = len(self.header)
        consumed = 0  # physical lines the reader has consumed; the header (line 1) was read before it
        for cells in self._reader:
            line = consumed + 2
            consumed = self._reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != width:
                yield line, None, _("Expected %(expected)s values, found %(found)s.") % {"expected": width, "found": len(cells)}
                continue
            yield line, dict(zip(self.header, cells)), None


@contextmanager
def open_csv(path, *, encoding=None, delimiter=None):
    """The file at `path` as a CsvSource; `encoding` None detects UTF-8 or cp1251 (detect_encoding), and
    `delimiter` None sniffs it from the header. The source's `encoding` and `delimiter` say what was used."""
    encoding = encoding or detect_encoding(path)
    with open(path, newline="", encoding=encoding) as stream:
        source = CsvSource(stream, delimiter=delimiter_option(delimiter))
        source.encoding = encoding
        yield source
