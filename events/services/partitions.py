"""Monthly partitions of the events table (PostgreSQL) and the retention that drops old ones.

Partitions are named `events_event_yYYYYmMM` and hold [first of the month, first of the next) in UTC.
`event_partitions_ensure` creates every month from the retention cutoff to EVENTS_PARTITIONS_AHEAD months
ahead (the daily beat task, the migration, and ingest when a batch names a month this process has not
seen); `event_partitions_drop_expired` drops whole months older than EVENTS_RETENTION_MONTHS, which costs
no row-by-row DELETE. On SQLite the table is plain and retention deletes rows.
"""
import datetime as dt
import logging
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import Event, EventReceipt

logger = logging.getLogger(__name__)
PARTITION_NAME = re.compile(r"^events_event_y(\d{4})m(\d{2})$")
_ensured: set[dt.date] = set()  # months this process knows to exist (partitions are never dropped ahead)


def month_start(moment: dt.datetime | dt.date) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events before this moment are dropped (and refused on ingest): the first of the month
    EVENTS_RETENTION_MONTHS before the current one, in UTC."""
    now = now or timezone.now()
    month = add_months(month_start(now.astimezone(dt.UTC)), -settings.EVENTS_RETENTION_MONTHS)
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def _partition_name(month: dt.date) -> str:
    return f"events_event_y{month.year:04d}m{month.month:02d}"


def partition_sql(month: dt.date) -> str:
    following = add_months(month, 1)
    return (f"CREATE TABLE IF NOT EXISTS {_partition_name(month)} PARTITION OF events_event "
            f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{following.isoformat()} 00:00:00+00')")


def event_partitions_ensure(*, months: list[dt.date] | None = None, now: dt.datetime | None = None) -> int:
    """Create the missing monthly partitions (by default: from the retention cutoff to EVENTS_PARTITIONS_AHEAD
    months ahead). Idempotent; returns how many months were checked. Nothing on SQLite."""
    if connection.vendor != "postgresql":
        return 0
    if months is None:
        first = month_start(retention_cutoff(now))
        last = add_months(month_start((now or timezone.now()).astimezone(dt.UTC)), settings.EVENTS_PARTITIONS_AHEAD)
        months, month = [], first
        while month <= last:
            months.append(month)
            month = add_months(month, 1)
    with connection.cursor() as cursor:
        for month in months:
            cursor.execute(partition_sql(month))
    _ensured.update(months)
    return len(months)


def event_partitions_ensure_for(moments) -> None:
    """Make sure the months of these times have partitions (ingest calls it; usually a set lookup)."""
    if connection.vendor != "postgresql":
        return
    missing = sorted({month_start(m.astimezone(dt.UTC)) for m in moments} - _ensured)
    if missing:
        # In its own savepoint-free step before the batch's INSERT; CREATE … IF NOT EXISTS is race-safe enough
        # that two processes creating the same month both succeed or one waits for the other's lock.
        event_partitions_ensure(months=missing)


def event_partitions() -> list[tuple[str, dt.date]]:
    """(name, month) of each monthly partition, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                           WHERE i.inhparent = 'events_event'::regclass""")
        names = [row[0] for row in cursor.fetchall()]
    found = []
    for name in names:
        match = PARTITION_NAME.match(name)
        if match:
            found.append((name, dt.date(int(match[1]), int(match[2]), 1)))
    return sorted(found, key=lambda item: item[1])


@transaction.atomic
def event_partitions_drop_expired(*, now: dt.datetime | None = None) -> dict:
    """Drop the months (PostgreSQL) or delete the rows (SQLite) older than the retention cutoff, and the
    receipts no accepted event can replay any more. Returns what went."""
    cutoff = retention_cutoff(now)
    dropped = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in this transaction would block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, month in event_partitions():
                if add_months(month, 1) <= cutoff.date():
                    cursor.execute(f"DROP TABLE {name}")
                    dropped.append(name)
                    _ensured.discard(month)
        deleted = 0
    else:
        deleted, _ = Event.objects.filter(occurred_at__lt=cutoff).delete()
    # Ingest refuses events more than a day ahead of its clock, so an event still kept was received at most a
    # day before its time; receipts older than that margin can no longer match an acceptable replay.
    receipts, _ = EventReceipt.objects.filter(received_at__lt=cutoff - dt.timedelta(days=2)).delete()
    logger.info("event_retention_finished cutoff=%s partitions_dropped=%s rows_deleted=%s receipts_deleted=%s",
                cutoff.date(), len(dropped), deleted, receipts)
    return {"cutoff": cutoff.date().isoformat(), "partitions_dropped": dropped, "rows_deleted": deleted,
            "receipts_deleted": receipts}
