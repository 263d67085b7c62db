"""`import_tiers`: members' tiers from a previous programme, each kept until its valid-until day."""
from django.utils.translation import gettext as _

from customers.importing import cells
from customers.importing.report import RowError
from customers.importing.schema import Column, RowSchema
from customers.importing.upsert import BatchOutcome, FirstSeen
from customers.models import Member
from loyalty.models import Tier
from loyalty.services.carry_over import TierCarryOver, tiers_carry_over

TIER_COLUMNS = [
    Column("member_external_id", cells.text(64), required=True, in_header=True),
    Column("tier", cells.text(32), required=True, in_header=True),
    Column("valid_until", cells.date, empty=None),
]


class TierImporter:
    """Puts each member in the tier the file names (by slug), kept until `valid_until` by the tier review
    (empty: the usual rules from the next review on), through `tiers_carry_over`.

    The file is the previous programme's word: it sets the tier even below the one a member holds here.
    A member already in that tier with that date is unchanged; one member twice in the file is a bad row.
    """

    kind = "tiers"

    def __init__(self):
        self.schema = RowSchema(TIER_COLUMNS)
        self.seen = FirstSeen()
        self.tier_ids = dict(Tier.objects.values_list("slug", "id"))

    def bind(self, header):
        return self.schema.bind(header)

    def accept(self, row):
        self.seen.reject_repeat(row, "member_external_id")
        return row

    def may_split(self, previous, row):
        return True

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        wanted = {row.values["member_external_id"] for row in rows}
        member_ids = dict(Member.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
        assignments = []
        for row in rows:
            member_id = member_ids.get(row.values["member_external_id"])
            tier_id = self.tier_ids.get(row.values["tier"])
            if member_id is None:
                outcome.errors.append(RowError(row.line, "member_external_id", _("Unknown member; import members first."),
                                               row.values["member_external_id"]))
            elif tier_id is None:
                known = ", ".join(sorted(self.tier_ids)) or _("none yet; create the tiers first")
                outcome.errors.append(RowError(row.line, "tier", _("Unknown tier; expected one of: %(known)s.") % {"known": known},
                                               row.values["tier"]))
            else:
                assignments.append(TierCarryOver(member_id=member_id, tier_id=tier_id,
                                                 valid_until=row.values.get("valid_until")))
        changed = tiers_carry_over(assignments=assignments) if assignments else set()
        outcome.updated = len(changed)
        outcome.unchanged = len(assignments) - len(changed)
        outcome.member_ids.update(changed)
        return outcome
