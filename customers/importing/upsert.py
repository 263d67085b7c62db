"""Writing one batch: classify each row against what the database holds, then one upsert for the changes."""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .report import RowError
from .schema import RowRejected


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # RowError found while writing (unknown member, …)
    member_ids: set = field(default_factory=set)
    extra: dict = field(default_factory=dict)


class FirstSeen:
    """Remembers the line where each natural key first appeared in the file.

    Holds one entry per distinct key, so memory grows with the file (about 100 bytes a key).
    """

    def __init__(self):
        self.lines: dict = {}

    def first_line(self, key, line):
        """None the first time a key is seen, else the line where it was first seen."""
        first = self.lines.setdefault(key, line)
        return None if first == line else first

    def reject_repeat(self, row, column: str):
        """Raise RowRejected when `row`'s value in `column` already appeared on an earlier line."""
        first = self.first_line(row.values[column], row.line)
        if first:
            raise RowRejected([RowError(row.line, column, _("Duplicate of line %(line)s.") % {"line": first}, row.values[column])])


def upsert(model, *, objects, unique_fields, update_fields):
    """One INSERT … ON CONFLICT (unique_fields) DO UPDATE for `objects`; sets their pks (PostgreSQL, SQLite).

    Callers pass only new and changed rows, so unchanged rows are never rewritten (their
    `updated_at` stays) and a re-import of the same file writes nothing.
    """
    if not objects:
        return []
    auto_now = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    return model.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=list(dict.fromkeys([*update_fields, *auto_now])),
    )


def changed(existing: dict, values: dict) -> bool:
    return any(existing.get(name) != value for name, value in values.items())
