"""A row schema: the typed columns of one kind of file, and the cleaning of one row against them."""
from dataclasses import dataclass, field
from typing import Any, Callable

from django.utils.translation import gettext as _

from .report import RowError
from .source import HeaderError


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False  # an empty cell is a bad row
    empty: Any = ""  # the value of an empty cell in an optional column
    in_header: bool = False  # the header must name it (else the file is refused before any row is read)
    sql: Any = None  # its parser's SQL counterpart (sql_cells.SqlCell), when the parser carries none itself

    @property
    def sql_cell(self):
        return self.sql or getattr(self.parse, "sql", None)


@dataclass
class Row:
    line: int
    values: dict = field(default_factory=dict)


class RowRejected(Exception):
    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


class RowSchema:
    """Cleans rows of a file whose header has been checked with `bind(header)`.

    Only the columns the header names are cleaned and appear in `Row.values`, so a writer can tell
    "absent from the file" from "empty in this row". Cells are stripped of surrounding blanks.
    """

    def __init__(self, columns, *, ignored=()):
        self.columns = {column.name: column for column in columns}
        self.ignored = set(ignored)  # known but not imported, e.g. the export's computed columns
        self.present: list[Column] = []

    def bind(self, header, *, extra_columns=()) -> list[str]:
        """Check the header; returns the names it ignores. Raises HeaderError listing every problem."""
        extra = {column.name: column for column in extra_columns}
        problems = [
            _("Required column %(column)s is missing from the header.") % {"column": repr(name)}
            for name, column in self.columns.items()
            if column.in_header and name not in header
        ]
        unknown = [name for name in header if name not in self.columns and name not in extra and name not in self.ignored]
        if unknown:
            known = ", ".join(self.columns)
            problems.append(_("Unknown columns: %(unknown)s. Known columns: %(known)s.")
                            % {"unknown": ", ".join(unknown), "known": known})
        if problems:
            raise HeaderError(problems)
        self.present = [self.columns.get(name) or extra[name] for name in header if name in self.columns or name in extra]
        return [name for name in header if name in self.ignored and name not in self.columns and name not in extra]

    def clean(self, line: int, raw: dict) -> Row:
        values, errors = {}, []
        for column in self.present:
            cell = (raw.get(column.name) or "").strip()
            if not cell:
                if column.required:
                    errors.append(RowError(line, column.name, _("Required.")))
                else:
                    values[column.name] = column.empty
                continue
            try:
                values[column.name] = column.parse(cell)
            except ValueError as exc:
                errors.append(RowError(line, column.name, str(exc), cell))
        if errors:
            raise RowRejected(errors)
        return Row(line=line, values=values)
