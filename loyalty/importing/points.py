"""`import_points`: opening balances from a previous programme, one ledger entry and lot per row, keyed by row id."""
from django.utils.translation import gettext as _

from core.timezones import shop_today
from customers.importing import cells
from customers.importing.report import RowError
from customers.importing.schema import Column, RowSchema
from customers.importing.upsert import BatchOutcome, FirstSeen
from customers.models import Member
from loyalty.services.carry_over import OpeningBalance, points_open_balances
from loyalty.services.ledger import MAX_POINTS

CAUSE_PREFIX = "import:points:"


def _points(value):
    digits = value.replace(" ", "").replace("\u00a0", "")  # "1 500" as spreadsheets write thousands
    if not digits.isdigit():
        raise ValueError(_("Not a whole number of points (0 or more)."))
    points = int(digits)
    if points > MAX_POINTS:
        raise ValueError(_("At most %(points)s points.") % {"points": MAX_POINTS})
    return points


def _expires_on(value):
    day = cells.date(value)
    if day < shop_today():
        raise ValueError(_("These points have already expired; there is nothing to carry over."))
    return day


POINTS_COLUMNS = [
    Column("row_id", cells.text(64), required=True, in_header=True),
    Column("member_external_id", cells.text(64), required=True, in_header=True),
    Column("points", _points, required=True, in_header=True),
    Column("expires_on", _expires_on, empty=None),
]


class PointsImporter:
    """Opening balances: each row credits its points as one lot expiring on its `expires_on` (empty: the
    programme's validity rule, counted from the import day), through `points_open_balances`.

    The ledger is append-only, so a row is written once, ever, by its row id (the entry's cause key
    `import:points:<row_id>`): the same row again is unchanged, and a row id already imported with other
    values is a bad row (correct a balance with an adjustment instead). A zero balance is skipped.
    """

    kind = "points"

    def __init__(self):
        self.schema = RowSchema(POINTS_COLUMNS)
        self.seen = FirstSeen()

    def bind(self, header):
        return self.schema.bind(header)

    def accept(self, row):
        self.seen.reject_repeat(row, "row_id")
        return row

    def may_split(self, previous, row):
        return True

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        wanted = {row.values["member_external_id"] for row in rows}
        member_ids = dict(Member.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
        balances = {}
        for row in rows:
            member_id = member_ids.get(row.values["member_external_id"])
            if member_id is None:
                outcome.errors.append(RowError(row.line, "member_external_id", _("Unknown member; import members first."),
                                               row.values["member_external_id"]))
            elif row.values["points"] == 0:
                outcome.unchanged += 1
                outcome.extra["zero balances skipped"] = outcome.extra.get("zero balances skipped", 0) + 1
            else:
                balances[row.line] = OpeningBalance(member_id=member_id, points=row.values["points"],
                                                    expires_on=row.values.get("expires_on"),
                                                    cause_key=f"{CAUSE_PREFIX}{row.values['row_id']}")
        if not balances:
            return outcome
        entries, written = points_open_balances(balances=list(balances.values()))
        for line, balance in balances.items():
            if balance.cause_key in written:
                outcome.created += 1
                outcome.member_ids.add(balance.member_id)
                continue
            entry = entries[balance.cause_key]
            expires_on = getattr(getattr(entry, "lot", None), "expires_on", None)
            if entry.member_id != balance.member_id or entry.points != balance.points or (
                balance.expires_on is not None and expires_on != balance.expires_on
            ):
                outcome.errors.append(RowError(
                    line, "row_id",
                    _("Already imported on %(day)s with other values (%(points)s points, expiring %(expires_on)s); "
                      "the ledger keeps what was imported: correct it with an adjustment.")
                    % {"day": f"{entry.created_at:%Y-%m-%d}", "points": entry.points,
                       "expires_on": expires_on or _("never")},
                    balance.cause_key[len(CAUSE_PREFIX):],
                ))
            else:
                outcome.unchanged += 1
        return outcome
