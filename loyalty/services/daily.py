"""The daily pass: unlock pending lots whose return period is over, expire what is left of lapsed lots.

Set-based: per batch of members, one INSERT … SELECT writes the entries, one UPDATE moves the cached
balances and one UPDATE closes the lots, all after locking those members' accounts. Each entry has a cause
key derived from its lot, and a batch commits as a whole, so a run that crashed half way, or a second run,
writes nothing twice.
"""
import logging
import time

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.sql import timestamp_param
from core.timezones import shop_today

from ..models import LedgerEntry, LotState, MemberAccount, PointsLot

logger = logging.getLogger(__name__)
BATCH_MEMBERS = 2000


def _sum_of(lots):
    return Coalesce(
        Subquery(lots.filter(member_id=OuterRef("member_id")).values("member_id").annotate(s=Sum("remaining")).values("s")),
        Value(0),
    )


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
            total = _sum_of(lots)
            MemberAccount.objects.filter(member_id__in=member_ids).update(
                pending_points=F("pending_points") - total, available_points=F("available_points") + total,
                updated_at=now,
            )
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
            MemberAccount.objects.filter(member_id__in=member_ids).update(
                pending_points=F("pending_points") - _sum_of(lots.filter(state=LotState.PENDING)),
                available_points=F("available_points") - _sum_of(lots.filter(state=LotState.AVAILABLE)),
                updated_at=now,
            )
            lots.update(state=LotState.EXPIRED, remaining=0)
    logger.info("points_expire_finished entries=%s", written)
    return written


def points_daily(*, today=None) -> dict:
    """Unlock first, then expire: a lot that became available and lapsed the same day still expires."""
    started = time.monotonic()
    result = {"unlocked": points_unlock_due(today=today), "expired": points_expire_due(today=today)}
    logger.info("points_daily_finished unlocked=%s expired=%s seconds=%.1f", result["unlocked"], result["expired"],
                time.monotonic() - started)
    return result
