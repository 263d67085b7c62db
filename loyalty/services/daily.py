"""The daily pass: unlock pending lots whose return period is over, expire what is left of lapsed lots.

Set-based: per batch of members, one INSERT … SELECT writes the entries, one UPDATE moves the cached
balances and one UPDATE closes the lots, all after locking those members' accounts. Each entry has a cause
key derived from its lot, and a batch commits as a whole, so a run that crashed half way, or a second run,
writes nothing twice.
"""
import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.sql import timestamp_param
from core.timezones import shop_today

from ..models import LedgerEntry, LotState, MemberAccount, PointsLot

logger = logging.getLogger(__name__)
BATCH_MEMBERS = 2000


def _insert_entries(*, lots_sql, lots_params, kind, bucket_sql, sign, key_sql, reason, now):
    entry = LedgerEntry._meta.db_table
    sql = (
        f"INSERT INTO {entry} (member_id, kind, bucket, points, created_at, reason, cause_key, details) "
        f"SELECT lot.member_id, %s, {bucket_sql}, {sign} lot.remaining, %s, %s, {key_sql}, %s "
        f"FROM ({lots_sql}) AS lot WHERE lot.remaining > 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, timestamp_param(now), reason, "{}", *lots_params])
        return cursor.rowcount


def _apply_to_accounts(*, lots_sql, lots_params, pending_change, available_change, now):
    """Move the cached balances by the lots' remaining points, per member, in one UPDATE … FROM (PostgreSQL and
    SQLite ≥ 3.33 both have it); a correlated subquery per account was 60× slower."""
    account = MemberAccount._meta.db_table
    sql = (
        f"UPDATE {account} SET pending_points = pending_points + {pending_change}, "
        f"available_points = available_points + {available_change}, updated_at = %s "
        f"FROM (SELECT lot.member_id, SUM(CASE WHEN lot.state = 'pending' THEN lot.remaining ELSE 0 END) AS pending, "
        f"SUM(CASE WHEN lot.state = 'available' THEN lot.remaining ELSE 0 END) AS available "
        f"FROM ({lots_sql}) AS lot GROUP BY lot.member_id) AS s WHERE {account}.member_id = s.member_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timestamp_param(now), *lots_params])


def _batches(due):
    """Member ids with due lots, a batch at a time; each batch is locked and settled in its own transaction."""
    while True:
        member_ids = list(due.order_by("member_id").values_list("member_id", flat=True).distinct()[:BATCH_MEMBERS])
        if not member_ids:
            return
        yield member_ids


def points_unlock_due(*, today=None) -> int:
    """Move pending lots whose `available_on` has come to available: pending −n and available +n entries."""
    today = today or shop_today()
    now = timezone.now()
    lots_due = PointsLot.objects.filter(state=LotState.PENDING, available_on__lte=today)
    moved = 0
    for member_ids in _batches(lots_due):
        with transaction.atomic():
            list(MemberAccount.objects.select_for_update().filter(member_id__in=member_ids).order_by("member_id").values_list("id"))
            lots = lots_due.filter(member_id__in=member_ids)
            lots_sql, lots_params = lots.values("id", "member_id", "remaining").query.sql_with_params()
            for bucket, sign, suffix in (("pending", "-", "out"), ("available", "", "in")):
                moved += _insert_entries(
                    lots_sql=lots_sql, lots_params=lots_params, kind="unlock", bucket_sql=f"'{bucket}'", sign=sign,
                    key_sql=f"'unlock:lot:' || lot.id || ':{suffix}'", reason="Return period over", now=now,
                )
            # Every due lot is pending: its remaining leaves pending and joins available.
            lots_sql, lots_params = lots.values("member_id", "remaining", "state").query.sql_with_params()
            _apply_to_accounts(lots_sql=lots_sql, lots_params=lots_params, pending_change="-s.pending",
                               available_change="s.pending", now=now)
            lots.update(state=LotState.AVAILABLE)
    logger.info("points_unlock_finished entries=%s", moved)
    return moved // 2


def points_expire_due(*, today=None) -> int:
    """Expire what is left of every lot whose `expires_on` has passed (pending or available)."""
    today = today or shop_today()
    now = timezone.now()
    lots_due = PointsLot.objects.filter(state__in=[LotState.PENDING, LotState.AVAILABLE], expires_on__lt=today)
    written = 0
    for member_ids in _batches(lots_due):
        with transaction.atomic():
            list(MemberAccount.objects.select_for_update().filter(member_id__in=member_ids).order_by("member_id").values_list("id"))
            lots = lots_due.filter(member_id__in=member_ids)
            lots_sql, lots_params = lots.values("id", "member_id", "remaining", "state").query.sql_with_params()
            written += _insert_entries(
                lots_sql=lots_sql, lots_params=lots_params, kind="expire", bucket_sql="lot.state", sign="-",
                key_sql="'expire:lot:' || lot.id", reason="Expired", now=now,
            )
            _apply_to_accounts(lots_sql=lots_sql, lots_params=lots_params, pending_change="-s.pending",
                               available_change="-s.available", now=now)
            lots.update(state=LotState.EXPIRED, remaining=0)
    logger.info("points_expire_finished entries=%s", written)
    return written


EXPIRING_WITHIN_DAYS = 14


@transaction.atomic
def points_expiring_record(*, today=None, within_days: int = EXPIRING_WITHIN_DAYS) -> int:
    """A `points_expiring` built-in event for each member whose available points expire within `within_days`:
    the soonest expiry date and the points expiring that day (what a reminder names). One query for all members;
    the event id is (member, date), so each expiry date is announced once however often the pass runs."""
    from events.services import events_record_rows

    today = today or shop_today()
    lots = (PointsLot.objects.filter(state=LotState.AVAILABLE, remaining__gt=0, expires_on__gte=today,
                                     expires_on__lte=today + dt.timedelta(days=within_days))
            .values("member_id", "expires_on").annotate(points=Sum("remaining")).order_by("member_id", "expires_on"))
    now = timezone.now()

    def soonest_per_member():
        last = None
        for row in lots.iterator(chunk_size=10_000):
            if row["member_id"] != last:
                last = row["member_id"]
                day = row["expires_on"]
                yield (f"expiring:{last}:{day.isoformat()}", last, now, {
                    "points": row["points"], "expires_on": day.isoformat(), "expires_on_local": f"{day:%d.%m.%Y}"})

    recorded = events_record_rows(type_key="points_expiring", rows=soonest_per_member())
    logger.info("points_expiring_recorded members=%s", recorded)
    return recorded


def points_daily(*, today=None) -> dict:
    """Unlock first, then expire: a lot that became available and lapsed the same day still expires. Then announce
    the points that will expire within EXPIRING_WITHIN_DAYS (events for reminder campaigns)."""
    started = time.monotonic()
    result = {"unlocked": points_unlock_due(today=today), "expired": points_expire_due(today=today),
              "expiring": points_expiring_record(today=today)}
    logger.info("points_daily_finished unlocked=%s expired=%s seconds=%.1f", result["unlocked"], result["expired"],
                time.monotonic() - started)
    return result
