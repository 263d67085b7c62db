"""Consents in `import_members`: one `consent:<purpose>` column per purpose, and their proof written per batch.

A cell says yes or no (1/0, true/false, yes/no, да/нет, in any case) or gives the date and time the
consent was given (ISO 8601 or DD.MM.YYYY[ HH:MM]: granted then); an empty cell leaves the consent alone.
"""
import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ConsentPurpose, ConsentRecord, Member

from . import cells
from .schema import Column
from .staging import copy_append

CONSENT_PREFIX = "consent:"
SOURCE_LENGTH = ConsentRecord._meta.get_field("source").max_length
YES = {"1", "true", "yes", "да", "y", "t"}
NO = {"0", "false", "no", "нет", "n", "f"}
# What export_members wrote before consents had their own columns: ignored when an old export is imported.
LEGACY_COLUMNS = [f"{purpose}_consent" for purpose in ConsentPurpose.values]

CONSENT_STAGE = "import_consent_stage"
_FLAG_COLUMNS = ", ".join(f"bool_or(granted) FILTER (WHERE purpose = '{p}') AS {p}" for p in ConsentPurpose.values)
_FLAG_SETS = ", ".join(f"{p}_consent = COALESCE(f.{p}, m.{p}_consent)" for p in ConsentPurpose.values)
_FLAG_VALUES = ", ".join(f"COALESCE(f.{p}, m.{p}_consent)" for p in ConsentPurpose.values)
_FLAG_STORED = ", ".join(f"m.{p}_consent" for p in ConsentPurpose.values)
# ConsentProofWriter.write's rules over a staging table of states: skip a state the member's latest record already
# says (at the same time, when one is given) or this source already recorded; record the rest; a member's flag
# follows a new record that is not older than the latest one.
STAGED_PROOF = f"""
    WITH latest AS (
        SELECT DISTINCT ON (r.member_id, r.purpose) r.member_id, r.purpose, r.granted, r.occurred_at
        FROM customers_consentrecord r
        WHERE r.member_id IN (SELECT member_id FROM {CONSENT_STAGE})
        ORDER BY r.member_id, r.purpose, r.occurred_at DESC, r.id DESC
    ), fresh AS (
        SELECT c.line, c.member_id, c.purpose, c.granted, COALESCE(c.at, %(started_at)s) AS occurred_at,
               l.occurred_at AS last_at
        FROM {CONSENT_STAGE} c
        LEFT JOIN latest l ON l.member_id = c.member_id AND l.purpose = c.purpose
        WHERE NOT (l.granted IS NOT NULL AND l.granted = c.granted AND (c.at IS NULL OR l.occurred_at = c.at))
          AND NOT EXISTS (
              SELECT 1 FROM customers_consentrecord r
              WHERE r.member_id = c.member_id AND r.purpose = c.purpose AND r.method = %(method)s
                AND r.source = %(source)s AND r.granted = c.granted AND (c.at IS NULL OR r.occurred_at = c.at))
    ), recorded AS (
        INSERT INTO customers_consentrecord (member_id, purpose, granted, occurred_at, method, source, evidence)
        SELECT member_id, purpose, granted, occurred_at, %(method)s, %(source)s, 'line ' || line FROM fresh
        RETURNING 1
    ), flags AS (
        SELECT member_id, {_FLAG_COLUMNS}
        FROM fresh WHERE last_at IS NULL OR occurred_at >= last_at GROUP BY member_id
    ), flagged AS (
        UPDATE customers_member m SET {_FLAG_SETS}, updated_at = now()
        FROM flags f
        WHERE m.id = f.member_id AND ROW({_FLAG_VALUES}) IS DISTINCT FROM ROW({_FLAG_STORED})
        RETURNING m.id
    )
    SELECT (SELECT count(*) FROM recorded), ARRAY(SELECT id FROM flagged)
"""


@dataclass(frozen=True)
class ConsentState:
    granted: bool
    at: dt.datetime | None = None  # when the file says the consent was given


def consent_cell(value: str) -> ConsentState:
    text = value.strip().lower()
    if text in YES:
        return ConsentState(True)
    if text in NO:
        return ConsentState(False)
    try:
        at = cells.timestamp(value)
    except ValueError:
        raise ValueError(_("Expected yes or no (1/0, true/false, yes/no, да/нет) or the date and time it was given.")) from None
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValueError(_("A consent cannot be given in the future."))
    return ConsentState(True, at)


def consent_columns() -> list[Column]:
    return [Column(f"{CONSENT_PREFIX}{purpose}", consent_cell, empty=None) for purpose in ConsentPurpose.values]


def purposes_in(header) -> list[str]:
    return [name[len(CONSENT_PREFIX):] for name in header
            if name.startswith(CONSENT_PREFIX) and name[len(CONSENT_PREFIX):] in ConsentPurpose.values]


class ConsentProofWriter:
    """Records the imported consent states of one batch of members, set-based and idempotent.

    A state is written as a ConsentRecord (method import, source the file's name, occurred at the given
    time or when the import started) unless it is already proven: the member's latest record for the
    purpose says the same (at the same time, when the file gives one), or this file already recorded it.
    So re-importing a file, or importing an export of the same data, writes nothing. The member's flag
    follows a new record only when it is the latest for its purpose: an old file never overrides a
    newer withdrawal.
    """

    def __init__(self, *, source_name: str, started_at: dt.datetime):
        self.source = source_name[:SOURCE_LENGTH]
        self.started_at = started_at

    def write(self, states, *, note: str = "", same_state_at_any_time: bool = False) -> tuple[int, set[int]]:
        """`states`: (line, member_id, purpose, ConsentState). Returns (records written, members whose flags changed).

        `note` is added to each record's evidence ("line 12: complaint"). With `same_state_at_any_time`, a latest
        record in the same state proves it whatever its time (an unsubscribe after an earlier one adds nothing).
        """
        member_ids = sorted({member_id for _line, member_id, _purpose, _state in states})
        if not member_ids:
            return 0, set()
        # Two imports touching the same members take turns here, so neither records a state twice.
        list(Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk").values_list("pk", flat=True))
        latest, imported = {}, set()
        for record in (ConsentRecord.objects.filter(member_id__in=member_ids).order_by("occurred_at", "id")
                       .values("member_id", "purpose", "granted", "occurred_at", "method", "source")):
            key = (record["member_id"], record["purpose"])
            latest[key] = record  # ascending order: the last one seen is the latest
            if record["method"] == ConsentRecord.Method.IMPORT and record["source"] == self.source:
                imported.add((*key, record["granted"], None))
                imported.add((*key, record["granted"], record["occurred_at"]))
        records, flags = [], {}
        for line, member_id, purpose, state in states:
            key = (member_id, purpose)
            last = latest.get(key)
            if last and last["granted"] == state.granted and (
                    state.at is None or same_state_at_any_time or last["occurred_at"] == state.at):
                continue
            if (*key, state.granted, state.at) in imported:
                continue
            occurred_at = state.at or self.started_at
            records.append(ConsentRecord(member_id=member_id, purpose=purpose, granted=state.granted,
                                         occurred_at=occurred_at, method=ConsentRecord.Method.IMPORT,
                                         source=self.source, evidence=f"line {line}: {note}" if note else f"line {line}"))
            if last is None or occurred_at >= last["occurred_at"]:
                flags[key] = state.granted
        copy_append(ConsentRecord, records, ["member", "purpose", "granted", "occurred_at", "method", "source", "evidence"])
        changed = set()
        by_value: dict[tuple[str, bool], list[int]] = {}
        for (member_id, purpose), granted in flags.items():
            by_value.setdefault((purpose, granted), []).append(member_id)
        now = timezone.now()
        for (purpose, granted), ids in by_value.items():
            field = f"{purpose}_consent"
            changing = Member.objects.filter(pk__in=ids).exclude(**{field: granted})
            changed.update(changing.values_list("pk", flat=True))
            changing.update(**{field: granted, "updated_at": now})
        return len(records), changed


    def write_staged(self, cursor, stage: str, purposes: list[str]) -> tuple[int, set[int]]:
        """`write` for one batch staged by the member import (PostgreSQL): `stage` holds each row's `line`,
        `external_id` and, per purpose, `<purpose>_granted` (NULL: no state) and `<purpose>_at`. At most one state
        per member and purpose. The same rules as `write`, set-based: returns (records written, members whose
        flags changed)."""
        states = " UNION ALL ".join(
            f"SELECT s.line, m.id AS member_id, '{purpose}'::text AS purpose, s.{purpose}_granted AS granted, "
            f"s.{purpose}_at AS at FROM {stage} s JOIN customers_member m ON m.external_id = s.external_id "
            f"WHERE s.{purpose}_granted IS NOT NULL"
            for purpose in purposes if purpose in ConsentPurpose.values
        )
        cursor.execute(f"DROP TABLE IF EXISTS {CONSENT_STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {CONSENT_STAGE} ON COMMIT DROP AS {states}")
        cursor.execute(f"ANALYZE {CONSENT_STAGE}")
        # Two imports touching the same members take turns here, so neither records a state twice.
        cursor.execute(f"SELECT id FROM customers_member WHERE id IN (SELECT member_id FROM {CONSENT_STAGE}) "
                       "ORDER BY id FOR UPDATE")
        cursor.execute(STAGED_PROOF, {"source": self.source, "started_at": self.started_at,
                                      "method": ConsentRecord.Method.IMPORT})
        records, changed = cursor.fetchone()
        return records, set(changed)


def consent_export_parts(purpose: str) -> dict:
    """The export's expressions for one consent column: the flag and the member's latest record for it."""
    latest = ConsentRecord.objects.filter(member=OuterRef("pk"), purpose=purpose).order_by("-occurred_at", "-id")
    return {
        "granted": F(f"{purpose}_consent"),
        "last_at": Subquery(latest.values("occurred_at")[:1]),
        "last_granted": Subquery(latest.values("granted")[:1]),
    }


def consent_export_cell(parts: dict, *, timestamp_text) -> str:
    """What import_members reads back as the same state: the grant's time, yes, no, or empty (never asked)."""
    if parts["granted"]:
        if parts["last_granted"] and parts["last_at"] is not None:
            return timestamp_text(parts["last_at"])
        return "yes"
    return "no" if parts["last_at"] is not None else ""

