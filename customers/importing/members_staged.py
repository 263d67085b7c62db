"""`import_members`' PostgreSQL lane for large batches: the cleaned rows COPY'd into a staging table, then new
members checked, members upserted and their consent proof recorded, each one set-based statement.

Rows are cleaned by the same schema as on the ORM path (members.MemberImporter.write), so bad cells read the
same; the rules are the same too: a new member needs `registered_at`, an empty `registered_at` or
`registration_channel` keeps the stored value, `attr:<key>` cells merge into the stored attributes, and an
unchanged member is not rewritten (its `updated_at` stays). New members' referral codes are drawn in SQL.
"""
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils.translation import gettext as _

from customers.models import Member, RegistrationChannel

from .consents import CONSENT_PREFIX
from .report import RowError
from .staging import staging_load
from .upsert import BatchOutcome

STAGE = "import_member_stage"
KEPT = ("registered_at", "registration_channel")  # empty keeps the stored value; always staged
# Ten random hex digits in capitals, as models.new_referral_code draws them.
REFERRAL_CODE = "upper(left(replace(gen_random_uuid()::text, '-', ''), 10))"
# Drawn again for a code taken by another member or by an earlier row of the batch (rare: 16^10 codes).
REFERRAL_CODE_REDRAW = f"""
    WITH taken AS (
        SELECT s.line FROM {STAGE} s JOIN customers_member m ON m.referral_code = s.referral_code
        UNION
        SELECT line FROM (SELECT line, row_number() OVER (PARTITION BY referral_code ORDER BY line) AS n
                          FROM {STAGE} WHERE referral_code IS NOT NULL) drawn
        WHERE n > 1
    )
    UPDATE {STAGE} s SET referral_code = {REFERRAL_CODE} FROM taken WHERE taken.line = s.line
"""


def _column(name: str) -> str:
    return connection.ops.quote_name(Member._meta.get_field(name).column)


def _defaults(staged: set[str]) -> dict[str, object]:
    """Column → value for the NOT NULL columns a new member takes from the model's defaults."""
    skipped = staged | {"id", "external_id", "referral_code", "attributes", "created_at", "updated_at"}
    defaults = {}
    for field in Member._meta.concrete_fields:
        if field.name in skipped or (field.null and field.get_default() is None):
            continue
        defaults[field.column] = field.get_db_prep_save(field.get_default(), connection)
    return defaults


def members_write_staged(importer, rows, outcome: BatchOutcome) -> BatchOutcome:
    """Upsert one batch of cleaned member rows and record their consents, set-based (PostgreSQL).

    Same guarantees as MemberImporter.write: idempotent (a re-import writes nothing and adds no proof),
    a new member without `registered_at` is a bad row of its line, the touched members' ids in the outcome.
    """
    fields = [name for name in importer.fields if name not in KEPT]
    purposes = [name[len(CONSENT_PREFIX):] for name in importer.consent_names]
    attributes = bool(importer.attribute_keys)
    columns = [("line", "integer"), ("external_id", "text"),
               *((name, Member._meta.get_field(name).db_type(connection)) for name in fields),
               ("registered_at", "timestamptz"), ("registration_channel", "text"), ("referral_code", "text")]
    for purpose in purposes:
        columns += [(f"{purpose}_granted", "boolean"), (f"{purpose}_at", "timestamptz")]
    if attributes:
        columns += [("attr_set", "jsonb"), ("attr_clear", "text[]")]
    with connection.cursor() as cursor:
        staging_load(cursor, STAGE, columns, (_stage_row(importer, row, fields, purposes) for row in rows))
        cursor.execute(f"""UPDATE {STAGE} s SET referral_code = {REFERRAL_CODE}
                           WHERE NOT EXISTS (SELECT 1 FROM customers_member m WHERE m.external_id = s.external_id)""")
        for _attempt in range(10):
            cursor.execute(REFERRAL_CODE_REDRAW)
            if not cursor.rowcount:
                break
        cursor.execute(f"DELETE FROM {STAGE} WHERE referral_code IS NOT NULL AND registered_at IS NULL RETURNING line")
        for (line,) in cursor.fetchall():
            outcome.errors.append(RowError(line, "registered_at", _("Required for a new member.")))
        cursor.execute(*_upsert_sql(importer, fields, attributes))
        for member_id, inserted in cursor.fetchall():
            outcome.member_ids.add(member_id)
            if inserted:
                outcome.created += 1
            else:
                outcome.updated += 1
        cursor.execute(f"SELECT count(*) FROM {STAGE}")
        outcome.unchanged = cursor.fetchone()[0] - outcome.created - outcome.updated
        if purposes:
            records, changed = importer.consents.write_staged(cursor, STAGE, purposes)
            outcome.extra["consent records"] = records
            outcome.member_ids.update(changed)
    return outcome


def _stage_row(importer, row, fields, purposes):
    values = row.values
    staged = [row.line, values["external_id"], *(values[name] for name in fields)]
    for name in KEPT:
        value = values.get(name)
        staged.append(None if value is None or value is importer.keep else value)
    staged.append(None)  # referral_code, drawn in SQL for new members
    for purpose in purposes:
        state = values[f"{CONSENT_PREFIX}{purpose}"]
        staged += [None, None] if state is None else [state.granted, state.at]
    if importer.attribute_keys:
        cells = {key: values[f"attr:{key}"] for key in importer.attribute_keys}
        staged += [json.dumps({key: value for key, value in cells.items() if value is not None}, cls=DjangoJSONEncoder),
                   [key for key, value in cells.items() if value is None]]
    return staged


def _upsert_sql(importer, fields, attributes):
    updated = [*fields, *(name for name in KEPT if name in importer.fields)]
    selected = {_column(name): f"s.{name}" for name in fields}
    selected[_column("registered_at")] = "COALESCE(s.registered_at, m.registered_at)"
    selected[_column("registration_channel")] = "COALESCE(s.registration_channel, m.registration_channel, %(channel)s)"
    selected[_column("referral_code")] = "COALESCE(m.referral_code, s.referral_code)"
    if attributes:
        selected["attributes"] = "(COALESCE(m.attributes, '{}'::jsonb) - s.attr_clear) || s.attr_set"
        updated.append("attributes")
    else:
        selected["attributes"] = "COALESCE(m.attributes, '{}'::jsonb)"
    params = {"channel": RegistrationChannel.IMPORT}
    for n, (column, value) in enumerate(_defaults(set(fields) | set(KEPT)).items()):
        selected[column] = f"%(default{n})s"
        params[f"default{n}"] = value
    selected["created_at"] = selected["updated_at"] = "now()"
    names = [_column(name) for name in updated]
    if names:
        conflict = f"""DO UPDATE SET {", ".join(f"{name} = EXCLUDED.{name}" for name in names)}, updated_at = EXCLUDED.updated_at
            WHERE ROW({", ".join(f"customers_member.{name}" for name in names)})
                  IS DISTINCT FROM ROW({", ".join(f"EXCLUDED.{name}" for name in names)})"""
    else:
        conflict = "DO NOTHING"
    sql = f"""
        INSERT INTO customers_member (external_id, {", ".join(selected)})
        SELECT s.external_id, {", ".join(selected.values())}
        FROM {STAGE} s LEFT JOIN customers_member m ON m.external_id = s.external_id
        ON CONFLICT (external_id) {conflict}
        RETURNING id, (xmax = 0)
    """
    return sql, params
