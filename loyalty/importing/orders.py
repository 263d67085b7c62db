"""`import_orders`: orders upserted by (source, external_id), each attached to a member by external id."""
from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _

from customers.importing import cells
from customers.importing.report import RowError
from customers.importing.schema import Column, RowSchema
from customers.importing.sql_cleaning import accept_in_order, sql_clean, stage_discard
from customers.importing.upsert import BatchOutcome, FirstSeen, changed, upsert
from customers.models import Member, RegistrationChannel
from loyalty.models import Order, OrderStatus, SalesChannel

ORDER_FIELDS = ["created_at", "status", "total", "currency", "channel", "store"]

STAGE = "import_order_stage"
# Members found by their external id; rows naming no stored member are taken out (and reported).
STAGED_MEMBERS = "UPDATE import_order_stage s SET member_id = m.id FROM customers_member m WHERE m.external_id = s.member_external_id"
STAGED_UNKNOWN_MEMBERS = "DELETE FROM import_order_stage WHERE member_id IS NULL RETURNING line, member_external_id"
# An order never moves to another member, and one that earned points keeps its status (as in `write`).
STAGED_REFUSALS = """
    SELECT s.line, CASE WHEN o.member_id <> s.member_id THEN 'member_external_id' ELSE 'status' END,
           CASE WHEN o.member_id <> s.member_id THEN s.member_external_id ELSE s.status END,
           CASE WHEN o.member_id <> s.member_id THEN (SELECT m.external_id FROM customers_member m WHERE m.id = o.member_id) END
    FROM import_order_stage s
    JOIN loyalty_order o ON o.source = %(source)s AND o.external_id = s.external_id
    WHERE o.member_id <> s.member_id OR (o.earned_at IS NOT NULL AND o.status <> s.status)
"""  # one join with the stored orders, not two (the two took 20 s of 249 s importing 1M orders on the loaded host)
# Unchanged rows are not rewritten (their updated_at stays): the WHERE of the DO UPDATE skips them.
STAGED_UPSERT = """
    WITH written AS (
        INSERT INTO loyalty_order (source, external_id, member_id, created_at, status, total, currency, channel, store,
                                   updated_at)
        SELECT %(source)s, external_id, member_id, created_at, status, total, currency, channel, store, now()
        FROM import_order_stage
        ON CONFLICT (source, external_id) DO UPDATE SET
            created_at = EXCLUDED.created_at, status = EXCLUDED.status, total = EXCLUDED.total,
            currency = EXCLUDED.currency, channel = EXCLUDED.channel, store = EXCLUDED.store,
            updated_at = EXCLUDED.updated_at
        WHERE (loyalty_order.created_at, loyalty_order.status, loyalty_order.total, loyalty_order.currency,
               loyalty_order.channel, loyalty_order.store)
              IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.status, EXCLUDED.total, EXCLUDED.currency,
                                EXCLUDED.channel, EXCLUDED.store)
        RETURNING (xmax = 0) AS inserted, member_id
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), array_agg(DISTINCT member_id)
    FROM written
"""


def order_columns():
    return [
        Column("external_id", cells.text(64), required=True, in_header=True),
        Column("member_external_id", cells.text(64), required=True, in_header=True),
        Column("created_at", cells.timestamp, required=True, in_header=True),
        Column("status", cells.choice({v: v for v in OrderStatus.values}, label="status"), empty=OrderStatus.COMPLETED),
        Column("total", cells.money(places=2, max_digits=12), required=True, in_header=True),
        Column("currency", cells.currency, empty=settings.SHOP_CURRENCY),
        Column("channel", cells.choice({v: v for v in SalesChannel.values}, label="channel"), empty=SalesChannel.STORE),
        Column("store", cells.text(64)),
    ]


class OrderImporter:
    """Upserts orders by (source, external_id).

    An optional column that is empty or left out of the header takes its default (status completed,
    the shop's currency, channel store). An order never moves to another member: a row naming a
    different member than the stored order is rejected, and so is a new status for an order that earned
    points (only `order_upsert`/`order_return` reverse them). With `create_members`, an unknown member id
    creates a bare member (channel "import") registered at its earliest order in the file.
    """

    kind = "orders"

    def __init__(self, *, source="shop", create_members=False):
        self.source = source
        self.create_members = create_members
        # Large batches are cleaned and written in PostgreSQL (write_raw); creating members is the ORM path's.
        self.cleans_in_sql = not create_members
        columns = order_columns()
        self.defaults = {column.name: column.empty for column in columns if column.name in ORDER_FIELDS}
        self.schema = RowSchema(columns)
        self.seen = FirstSeen()
        self.created_member_ids: set[int] = set()

    def bind(self, header):
        return self.schema.bind(header)

    def accept(self, row):
        self.seen.reject_repeat(row, "external_id")
        return row

    def may_split(self, previous, row):
        return True

    def write(self, rows) -> BatchOutcome:
        outcome = BatchOutcome()
        member_ids = self._member_ids(rows, outcome)
        stored = {
            order["external_id"]: order
            for order in Order.objects.filter(source=self.source, external_id__in=[row.values["external_id"] for row in rows])
            .values("id", "external_id", "member_id", "member__external_id", "earned_at", *ORDER_FIELDS)
        }
        to_write = []
        for row in rows:
            member_external_id = row.values["member_external_id"]
            member_id = member_ids.get(member_external_id)
            if member_id is None:
                outcome.errors.append(RowError(
                    row.line, "member_external_id", _("Unknown member; import members first or use --create-members."),
                    member_external_id,
                ))
                continue
            values = {name: row.values.get(name, default) for name, default in self.defaults.items()}
            current = stored.get(row.values["external_id"])
            if current is not None and current["member_id"] != member_id:
                outcome.errors.append(RowError(
                    row.line, "member_external_id",
                    _("The order already belongs to member %(member)s.") % {"member": current["member__external_id"]}, member_external_id,
                ))
                continue
            if current is not None and current["earned_at"] is not None and values["status"] != current["status"]:
                # Its points would stay with the member: only the order state machine may move it.
                outcome.errors.append(RowError(
                    row.line, "status", _("The order earned points: change its status through the API "
                      "(a return or cancellation reverses them), not by import."), values["status"],
                ))
                continue
            if current is not None and not changed(current, values):
                outcome.unchanged += 1
                continue
            if current is None:
                outcome.created += 1
            else:
                outcome.updated += 1
            to_write.append(Order(source=self.source, external_id=row.values["external_id"], member_id=member_id, **values))
            outcome.member_ids.add(member_id)
        upsert(Order, objects=to_write, unique_fields=["source", "external_id"], update_fields=ORDER_FIELDS)
        self._registered_at_from_earliest_order(set(member_ids.values()) & self.created_member_ids)
        return outcome

    def write_raw(self, rows) -> BatchOutcome:
        """The same cleaning, checks and upsert as `write`, for a batch of raw text rows, in PostgreSQL
        (customers.importing.sql_cleaning): members are found by a join on their external id."""
        outcome = BatchOutcome()
        with connection.cursor() as cursor:
            outcome.errors = sql_clean(cursor, schema=self.schema, rows=rows, stage=STAGE,
                                       extra_columns=[("member_id", "bigint")])
            repeated = accept_in_order(self, rows, {error.line for error in outcome.errors}, ["external_id"])
            stage_discard(cursor, STAGE, {error.line for error in repeated})
            outcome.errors.extend(repeated)
            cursor.execute(f"ANALYZE {STAGE}")  # the joins that follow plan by its real size
            cursor.execute(STAGED_MEMBERS)
            cursor.execute(STAGED_UNKNOWN_MEMBERS)
            for line, member_external_id in cursor.fetchall():
                outcome.errors.append(RowError(
                    line, "member_external_id", _("Unknown member; import members first or use --create-members."),
                    member_external_id,
                ))
            staged = len(rows) - len({error.line for error in outcome.errors})
            cursor.execute(STAGED_REFUSALS, {"source": self.source})
            refused = cursor.fetchall()
            for line, column, value, stored_member in refused:
                reason = (_("The order already belongs to member %(member)s.") % {"member": stored_member} if column == "member_external_id" else
                          _("The order earned points: change its status through the API "
                            "(a return or cancellation reverses them), not by import."))
                outcome.errors.append(RowError(line, column, reason, value))
            stage_discard(cursor, STAGE, {line for line, *_ in refused})
            cursor.execute(STAGED_UPSERT, {"source": self.source})
            created, updated, touched = cursor.fetchone()
        outcome.created, outcome.updated = created, updated
        outcome.unchanged = staged - len(refused) - created - updated
        outcome.member_ids.update(touched or ())
        return outcome

    def _member_ids(self, rows, outcome) -> dict:
        wanted = {row.values["member_external_id"] for row in rows}
        member_ids = dict(Member.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
        missing = wanted - member_ids.keys()
        if not (missing and self.create_members):
            return member_ids
        earliest = {}
        for row in rows:
            key, at = row.values["member_external_id"], row.values["created_at"]
            if key in missing and (key not in earliest or at < earliest[key]):
                earliest[key] = at
        # ignore_conflicts: a member import running at the same time may create the same member first.
        Member.objects.bulk_create(
            [Member(external_id=key, registered_at=at, registration_channel=RegistrationChannel.IMPORT)
             for key, at in earliest.items()],
            ignore_conflicts=True,
        )
        created = dict(Member.objects.filter(external_id__in=missing).values_list("external_id", "id"))
        member_ids.update(created)
        self.created_member_ids.update(created.values())
        outcome.extra["members created"] = len(created)
        return member_ids

    def _registered_at_from_earliest_order(self, member_ids):
        # A member this run created may meet an earlier order in a later batch.
        if not member_ids:
            return
        earliest = Order.objects.filter(member=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
        Member.objects.filter(pk__in=member_ids).update(
            registered_at=Least("registered_at", Coalesce(Subquery(earliest, output_field=DateTimeField()), "registered_at"))
        )
