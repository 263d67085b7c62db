"""Reading a CSV file as a stream of (line number, {column: text}) without loading it whole."""
import csv
from contextlib import contextmanager

DELIMITERS = (",", ";", "\t")


class HeaderError(Exception):
    """The file cannot be imported at all: no header, a missing or unknown column. Nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


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
        first = stream.readline()
        if not first.strip():
            raise HeaderError(["The file is empty or its first line is blank; expected a header row."])
        self.delimiter = delimiter or sniff_delimiter(first)
        self.header = [name.strip() for name in next(csv.reader([first], delimiter=self.delimiter))]
        duplicated = sorted({name for name in self.header if self.header.count(name) > 1})
        if duplicated:
            raise HeaderError([f"Column {name!r} appears more than once in the header." for name in duplicated])
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
                yield line, None, f"Expected {width} values, found {len(cells)}."
                continue
            yield line, dict(zip(self.header, cells)), None


@contextmanager
def open_csv(path, *, encoding="utf-8-sig", delimiter=None):
    with open(path, newline="", encoding=encoding) as stream:
        yield CsvSource(stream, delimiter=delimiter)
