"""Reads of balances and the ledger."""
import datetime as dt
from dataclasses import dataclass

from django.db import connection

from core.timezones import shop_day_start

from ..models import LedgerEntry, MemberAccount, Order, OrderStatus, PointsLot


@dataclass(frozen=True)
class Balance:
    available: int
    pending: int
    debt: int


def member_balance(*, member) -> Balance:
    account = MemberAccount.objects.filter(member=member).values("available_points", "pending_points", "debt_points").first()
    if account is None:
        return Balance(available=0, pending=0, debt=0)
    return Balance(available=account["available_points"], pending=account["pending_points"], debt=account["debt_points"])


def member_ledger(*, member, kind=None, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """The member's entries, newest first; dates are shop-calendar days, both ends included."""
    entries = LedgerEntry.objects.filter(member=member).select_related("order")
    if kind:
        entries = entries.filter(kind__in=[kind] if isinstance(kind, str) else kind)
    if date_from:
        entries = entries.filter(created_at__gte=shop_day_start(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=shop_day_start(date_to + dt.timedelta(days=1)))
    return entries.order_by("-created_at", "-id")


def ledger_mismatches() -> tuple[list[dict], int]:
    """Members whose cached balances differ from their ledger sums, or from what is left in their points lots,
    in one set-based query. A member with entries but no account counts as cached zero.

    Returns (mismatches, accounts checked).
    """
    account, entry, lot = MemberAccount._meta.db_table, LedgerEntry._meta.db_table, PointsLot._meta.db_table
    sums = (
        f"SELECT member_id, "
        f"SUM(CASE WHEN bucket = 'available' THEN points ELSE 0 END) AS ledger_available, "
        f"SUM(CASE WHEN bucket = 'pending' THEN points ELSE 0 END) AS ledger_pending, "
        f"SUM(CASE WHEN bucket = 'debt' THEN points ELSE 0 END) AS ledger_debt "
        f"FROM {entry} GROUP BY member_id"
    )
    lots = (
        f"SELECT member_id, SUM(CASE WHEN state = 'available' THEN remaining ELSE 0 END) AS lots_available, "
        f"SUM(CASE WHEN state = 'pending' THEN remaining ELSE 0 END) AS lots_pending FROM {lot} GROUP BY member_id"
    )
    sql = (
        f"SELECT COALESCE(a.member_id, l.member_id), COALESCE(a.available_points, 0), COALESCE(a.pending_points, 0), "
        f"COALESCE(a.debt_points, 0), COALESCE(l.ledger_available, 0), COALESCE(l.ledger_pending, 0), "
        f"COALESCE(l.ledger_debt, 0), COALESCE(p.lots_available, 0), COALESCE(p.lots_pending, 0) "
        f"FROM {account} a FULL OUTER JOIN ({sums}) l ON l.member_id = a.member_id "
        f"LEFT JOIN ({lots}) p ON p.member_id = COALESCE(a.member_id, l.member_id) "
        f"WHERE COALESCE(a.available_points, 0) <> COALESCE(l.ledger_available, 0) "
        f"OR COALESCE(a.pending_points, 0) <> COALESCE(l.ledger_pending, 0) "
        f"OR COALESCE(a.debt_points, 0) <> COALESCE(l.ledger_debt, 0) "
        f"OR COALESCE(a.available_points, 0) <> COALESCE(p.lots_available, 0) "
        f"OR COALESCE(a.pending_points, 0) <> COALESCE(p.lots_pending, 0) ORDER BY 1"
    )
    names = ["member_id", "available_points", "pending_points", "debt_points", "ledger_available", "ledger_pending",
             "ledger_debt", "lots_available", "lots_pending"]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        cursor.execute(f"SELECT COUNT(*) FROM {account}")
        checked = cursor.fetchone()[0]
    return rows, checked


def orders_holding_points() -> list[dict]:
    """Orders that are not completed (pending, returned, cancelled) but still hold net points, in one
    set-based query; a correct ledger has none.

    An order's net points are its earn and reverse entries (a reversal recorded as debt counts against the
    member) plus the expiry entries of its own lots (`expire:lot:<id>`, as the daily pass keys them).
    """
    order, entry, lot = Order._meta.db_table, LedgerEntry._meta.db_table, PointsLot._meta.db_table
    not_completed = f"SELECT id FROM {order} WHERE status <> %s"
    sql = (
        f"SELECT o.id, o.member_id, o.source, o.external_id, o.status, SUM(m.points) FROM ("
        f"SELECT e.order_id, CASE WHEN e.bucket = 'debt' THEN -e.points ELSE e.points END AS points FROM {entry} e "
        f"WHERE e.kind IN ('earn', 'reverse') AND e.order_id IN ({not_completed}) "
        f"UNION ALL SELECT l.order_id, x.points FROM {lot} l JOIN {entry} x ON x.cause_key = 'expire:lot:' || l.id "
        f"WHERE l.state = 'expired' AND l.order_id IN ({not_completed})"
        f") m JOIN {order} o ON o.id = m.order_id "
        f"GROUP BY o.id, o.member_id, o.source, o.external_id, o.status HAVING SUM(m.points) <> 0 ORDER BY o.id"
    )
    names = ["order_id", "member_id", "source", "external_id", "status", "net_points"]
    with connection.cursor() as cursor:
        cursor.execute(sql, [OrderStatus.COMPLETED, OrderStatus.COMPLETED])
        return [dict(zip(names, row)) for row in cursor.fetchall()]
