"""`import_engagement`: an ESP's history of sends, opens and clicks, added once each by a natural key."""
import datetime as dt
import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel, EngagementEvent, Member

from . import cells
from .consents import ConsentProofWriter, ConsentState
from .report import RowError
from .schema import Column, RowSchema
from .upsert import BatchOutcome

Kind = EngagementEvent.Kind
# The spellings ESP exports use for each kind.
KINDS = {
    "sent": Kind.SENT, "send": Kind.SENT, "delivered": Kind.DELIVERED, "delivery": Kind.DELIVERED,
    "open": Kind.OPEN, "opened": Kind.OPEN, "click": Kind.CLICK, "clicked": Kind.CLICK,
    "bounce": Kind.BOUNCE, "bounced": Kind.BOUNCE, "complaint": Kind.COMPLAINT, "spam": Kind.COMPLAINT,
    "unsubscribe": Kind.UNSUBSCRIBE, "unsubscribed": Kind.UNSUBSCRIBE,
}
CHANNELS = {value: value for value in Channel.values}
WITHDRAWING = (Kind.UNSUBSCRIBE, Kind.COMPLAINT)  # each withdraws the consent of its channel


def _occurred_at(value):
    moment = cells.timestamp(value)
    if moment > timezone.now() + dt.timedelta(minutes=5):  # a little clock skew is not an error
        raise ValueError(_("In the future; check the time zone of the export."))
    return moment


ENGAGEMENT_COLUMNS = [
    Column("member_external_id", cells.text(64), required=True, in_header=True),
    Column("kind", cells.choice(KINDS, label="kind"), required=True, in_header=True),
    Column("occurred_at", _occurred_at, required=True, in_header=True),
    Column("channel", cells.choice(CHANNELS, label="channel"), empty=Channel.EMAIL),
    Column("campaign", cells.text(255)),
    Column("url", cells.text(2048)),
]


def engagement_import_key(values: dict) -> str:
    """The event's natural key, hashed: member, kind, instant (UTC, to the microsecond), channel, campaign, URL.

    The member is the file's external id, so the same file keys the same events whatever happened since.
    """
    parts = [values["member_external_id"], values["kind"], values["occurred_at"].astimezone(dt.UTC).isoformat(),
             values.get("channel", Channel.EMAIL), values.get("campaign", ""), values.get("url", "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class EngagementImporter:
    """Adds engagement events; an event already imported (same natural key) is left as it is.

    Events are history: a row never changes a stored event, and a repeated row (in this file or an earlier
    one) counts as unchanged. The file is not remembered row by row, so a file of any size streams.
    """

    kind = "engagement"

    def __init__(self, *, source_name: str = "import_engagement"):
        self.schema = RowSchema(ENGAGEMENT_COLUMNS)
        self.consents = ConsentProofWriter(source_name=source_name, started_at=timezone.now())

    def bind(self, header):
        return self.schema.bind(header)

    def accept(self, row):
        return row

    def may_split(self, previous, row):
        return True

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        wanted = {row.values["member_external_id"] for row in rows}
        member_ids = dict(Member.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
        keyed = {}
        for row in rows:
            member_id = member_ids.get(row.values["member_external_id"])
            if member_id is None:
                outcome.errors.append(RowError(row.line, "member_external_id", _("Unknown member; import members first."),
                                               row.values["member_external_id"]))
                continue
            keyed.setdefault(engagement_import_key(row.values), (row, member_id))
        stored = set(EngagementEvent.objects.filter(import_key__in=keyed).values_list("import_key", flat=True))
        new = [
            EngagementEvent(member_id=member_id, kind=row.values["kind"], occurred_at=row.values["occurred_at"],
                            channel=row.values.get("channel", Channel.EMAIL), campaign=row.values.get("campaign", ""),
                            url=row.values.get("url", ""), import_key=key)
            for key, (row, member_id) in keyed.items() if key not in stored
        ]
        # ignore_conflicts: the same file imported twice at once adds each event once.
        EngagementEvent.objects.bulk_create(new, ignore_conflicts=True)
        outcome.created = len(new)
        outcome.unchanged = len(rows) - len(outcome.errors) - len(new)
        outcome.member_ids.update(event.member_id for event in new)
        self._withdraw_consents(keyed, {event.import_key for event in new}, outcome)
        return outcome

    def _withdraw_consents(self, keyed, new_keys, outcome) -> None:
        """An imported unsubscribe or complaint withdraws the channel's consent with proof (method import, the
        file as source, the event's time), unless the member's latest record already says withdrawn. Only new
        events count, so a re-import adds no proof; a later grant on record keeps the member's flag."""
        for kind in WITHDRAWING:
            states = [
                (row.line, member_id, row.values.get("channel", Channel.EMAIL), ConsentState(False, row.values["occurred_at"]))
                for key, (row, member_id) in keyed.items() if key in new_keys and row.values["kind"] == kind
            ]
            if states:
                records, changed = self.consents.write(states, note=kind, same_state_at_any_time=True)
                outcome.extra["consents withdrawn"] = outcome.extra.get("consents withdrawn", 0) + records
                outcome.member_ids.update(changed)
