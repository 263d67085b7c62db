"""`import_members`: the member file's columns and the batch writer that upserts members by external_id."""
from django.utils import timezone
from django.utils.translation import gettext as _

from core.timezones import shop_today
from customers.export_columns import registered_columns
from customers.models import AttributeDefinition, Gender, Member, RegistrationChannel
from customers.services import attribute_value_clean

from . import cells
from .consents import CONSENT_PREFIX, LEGACY_COLUMNS, ConsentProofWriter, consent_columns
from .report import RowError
from .schema import Column, RowSchema
from .members_staged import members_write_staged
from .source import HeaderError
from .staging import staging_wanted
from .upsert import BatchOutcome, FirstSeen, changed, upsert


class _Keep:
    """An empty cell that leaves an existing member's value as it is; one object, also after pickling (rows
    cleaned in worker processes come back pickled, and the writers test `is KEEP`)."""

    def __reduce__(self):
        return "KEEP"

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()
ATTRIBUTE_PREFIX = "attr:"

GENDERS = {"f": Gender.FEMALE, "female": Gender.FEMALE, "ж": Gender.FEMALE,
           "m": Gender.MALE, "male": Gender.MALE, "м": Gender.MALE}
CHANNELS = {value: value for value in RegistrationChannel.values}


def _birth_date(value):
    day = cells.date(value)
    if day > shop_today():
        raise ValueError(_("A birth date cannot be in the future."))
    return day


MEMBER_COLUMNS = [
    Column("external_id", cells.text(64), required=True, in_header=True),
    Column("email", cells.email),
    Column("phone", cells.phone),
    Column("first_name", cells.text(100)),
    Column("last_name", cells.text(100)),
    Column("gender", cells.choice(GENDERS, label="gender")),
    Column("birth_date", _birth_date, empty=None),
    Column("region", cells.text(64)),
    Column("city", cells.text(100)),
    Column("registered_at", cells.timestamp, empty=KEEP),
    Column("registration_channel", cells.choice(CHANNELS, label="registration channel"), empty=KEEP),
]


def attribute_column(definition: AttributeDefinition) -> Column:
    def parse(value):
        return attribute_value_clean(definition, value)

    # An empty cell clears the attribute; the export writes an unset attribute as an empty cell.
    return Column(f"{ATTRIBUTE_PREFIX}{definition.key}", parse, empty=None)


class MemberImporter:
    """Upserts members by external_id.

    Columns the header names are set exactly as the file says (an empty cell clears the value);
    columns it leaves out are left alone, so a file of `external_id,email` only updates emails.
    `registered_at` and `registration_channel` are never cleared: empty keeps the stored value, and
    a new member needs `registered_at` (an empty channel means "import"). `attr:<key>` columns set
    one zero-party attribute each and leave the member's other attributes alone. `consent:<purpose>`
    columns record each consent state with its proof (consents.ConsentProofWriter; `source_name` names
    the file in the proof); an empty consent cell leaves that consent alone.
    """

    kind = "members"
    keep = KEEP

    def __init__(self, *, source_name: str = "import_members"):
        self.schema = RowSchema([*MEMBER_COLUMNS, *consent_columns()],
                                ignored=[*(column.name for column in registered_columns()), *LEGACY_COLUMNS])
        self.seen = FirstSeen()
        self.fields: list[str] = []
        self.attribute_keys: list[str] = []
        self.consent_names: list[str] = []
        self.consents = ConsentProofWriter(source_name=source_name, started_at=timezone.now())

    def bind(self, header) -> list[str]:
        keys = [name[len(ATTRIBUTE_PREFIX):] for name in header if name.startswith(ATTRIBUTE_PREFIX)]
        definitions = {d.key: d for d in AttributeDefinition.objects.filter(key__in=keys)}
        unknown = [key for key in keys if key not in definitions]
        if unknown:
            # One message for the column, before any row is written: a typo or a definition not yet created.
            raise HeaderError([
                f"Unknown attribute column {ATTRIBUTE_PREFIX}{key}: create the attribute definition first "
                f"or remove the column." for key in unknown
            ])
        ignored = self.schema.bind(header, extra_columns=[attribute_column(definitions[key]) for key in keys])
        self.attribute_keys = keys
        self.consent_names = [c.name for c in self.schema.present if c.name.startswith(CONSENT_PREFIX)]
        self.fields = [c.name for c in self.schema.present if c.name in self.schema.columns
                       and c.name != "external_id" and c.name not in self.consent_names]
        return ignored

    def extra_column_names(self) -> list[str]:
        """The attr:<key> columns a file may add: one per defined zero-party attribute."""
        return [f"{ATTRIBUTE_PREFIX}{key}" for key in AttributeDefinition.objects.order_by("key").values_list("key", flat=True)]

    def accept(self, row):
        self.seen.reject_repeat(row, "external_id")
        return row

    def may_split(self, previous, row):
        return True

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        if staging_wanted(rows):
            return members_write_staged(self, rows, outcome)
        stored = {
            member["external_id"]: member
            for member in Member.objects.filter(external_id__in=[row.values["external_id"] for row in rows])
            .values("id", "external_id", "attributes", "registered_at", *self.fields)
        }
        to_write = []
        for row in rows:
            external_id = row.values["external_id"]
            values = {name: row.values[name] for name in self.fields if row.values[name] is not KEEP}
            current = stored.get(external_id)
            if current is None:
                if values.get("registered_at") is None:
                    outcome.errors.append(RowError(row.line, "registered_at", _("Required for a new member.")))
                    continue
                values.setdefault("registration_channel", RegistrationChannel.IMPORT)
                values["attributes"] = self._attributes({}, row)
                to_write.append(Member(external_id=external_id, **values))
                outcome.created += 1
                continue
            if self.attribute_keys:
                values["attributes"] = self._attributes(current["attributes"], row)
            if not changed(current, values):
                outcome.unchanged += 1
                continue
            # The INSERT half of the upsert needs every NOT NULL column even though the row exists.
            merged = {**{name: current[name] for name in self.fields}, "registered_at": current["registered_at"],
                      "attributes": current["attributes"], **values}
            to_write.append(Member(external_id=external_id, **merged))
            outcome.updated += 1
            outcome.member_ids.add(current["id"])
        update_fields = self.fields + (["attributes"] if self.attribute_keys else [])
        written = upsert(Member, objects=to_write, unique_fields=["external_id"], update_fields=update_fields)
        outcome.member_ids.update(member.pk for member in written if member.pk)
        if self.consent_names:
            self._write_consents(rows, stored, written, outcome)
        return outcome

    def _write_consents(self, rows, stored, written, outcome) -> None:
        ids = {external_id: member["id"] for external_id, member in stored.items()}
        ids.update({member.external_id: member.pk for member in written if member.pk})
        states = [
            (row.line, ids[row.values["external_id"]], name[len(CONSENT_PREFIX):], row.values[name])
            for row in rows if row.values["external_id"] in ids
            for name in self.consent_names if row.values[name] is not None
        ]
        records, changed = self.consents.write(states)
        outcome.extra["consent records"] = records
        outcome.member_ids.update(changed)

    def _attributes(self, current: dict, row) -> dict:
        merged = dict(current)
        for key in self.attribute_keys:
            value = row.values[f"{ATTRIBUTE_PREFIX}{key}"]
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged
