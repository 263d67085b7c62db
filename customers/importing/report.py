"""What an import tells its user: every bad row, and the counts at the end."""
import csv
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    line: int  # the file's line number where the row starts; the header is line 1
    column: str
    reason: str
    value: str = ""

    def __str__(self):
        where = _("line %(line)s, column %(column)s: %(reason)s") % {
            "line": self.line, "column": self.column, "reason": self.reason}
        return where + (_(" (got %(value)s)") % {"value": repr(self.value)} if self.value else "")


@dataclass
class ImportSummary:
    kind: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    extra: dict = field(default_factory=dict)  # kind-specific counts: members created, rows merged…

    def add_extra(self, name: str, count: int) -> None:
        self.extra[name] = self.extra.get(name, 0) + count

    @property
    def written(self) -> int:
        return self.created + self.updated

    def __str__(self):
        text = (
            f"{self.kind}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )
        extras = ", ".join(f"{name} {count}" for name, count in self.extra.items())
        return f"{text}; {extras}" if extras else text


class ErrorReport:
    """Writes each bad row to the command's stderr and, if asked, to a CSV file (line,column,value,reason)."""

    def __init__(self, stream, csv_path=None):
        self.stream = stream
        self.csv_file = open(csv_path, "w", newline="", encoding="utf-8") if csv_path else None
        self.csv_writer = csv.writer(self.csv_file) if self.csv_file else None
        if self.csv_writer:
            self.csv_writer.writerow(["line", "column", "value", "reason"])

    def write(self, errors) -> None:
        for error in errors:
            self.stream.write(str(error))
            if self.csv_writer:
                self.csv_writer.writerow([error.line, error.column, error.value, error.reason])

    def close(self) -> None:
        if self.csv_file:
            self.csv_file.close()
