"""Reversals: what a return, a cancellation or a `returned` status takes back from the member.

A return takes back what the returned lines earned, less the share of it that expired unused (points that
lapsed were never of use to the member; only what is still held or was spent is taken back):

    taken in all = due × (earned − expired unused) ÷ earned, floored, minus what earlier returns took

where `due` is what the returned quantities earned, cumulated over the order's returns (the whole order,
bonuses included, once every line is back). Partial returns therefore add up to exactly what one full
return would take, and a lot that expires between two returns lowers only what is still to take. The
points come from the order's own lots first, then the member's other available points (FIFO), and what
is still missing becomes debt that later earning pays off first; the balance never goes negative.
"""
from dataclasses import dataclass, field

from django.db.models import CharField, F, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ..models import LedgerBucket, LedgerEntry, LedgerEntryKind, LotState, OrderReturn, OrderStatus, PointsLot
from .ledger import _entry, _move, available_lots_fifo, balances_save, consume_lots


@dataclass(frozen=True)
class OrderPoints:
    earned: int  # earn entries of the order for its member: lines and bonuses
    reversed: int  # points every reversal so far took back (from lots, other points or as debt)
    expired: int  # what of the order's own lots expired unused
    line_earned: dict[str, int] = field(default_factory=dict)  # product id (or "order") → points


def order_expired_lot_keys(order_ids):
    """The cause keys of the expiry entries of these orders' expired lots (`expire:lot:<id>`, as the daily
    pass writes them), as a subquery."""
    return (PointsLot.objects.filter(order__in=order_ids, state=LotState.EXPIRED)
            .annotate(key=Concat(Value("expire:lot:"), Cast("id", CharField()), output_field=CharField()))
            .values("key"))


def order_points(order) -> OrderPoints:
    """What the order earned, what was reversed and what expired unused, in two queries."""
    earned = reversed_total = 0
    line_earned: dict[str, int] = {}
    entries = LedgerEntry.objects.filter(order=order, member_id=order.member_id,
                                         kind__in=[LedgerEntryKind.EARN, LedgerEntryKind.REVERSE])
    for kind, points, details in entries.values_list("kind", "points", "details"):
        if kind == LedgerEntryKind.REVERSE:
            reversed_total += abs(points)
            continue
        earned += points
        for key, line_points in (details or {}).get("lines", {}).items():
            line_earned[key] = line_earned.get(key, 0) + line_points
    expired = LedgerEntry.objects.filter(kind=LedgerEntryKind.EXPIRE, cause_key__in=order_expired_lot_keys([order.pk]))
    expired_total = -(expired.aggregate(s=Sum("points"))["s"] or 0)
    return OrderPoints(earned=earned, reversed=reversed_total, expired=expired_total, line_earned=line_earned)


def _line_due(points: int, line, returned) -> int:
    """What `returned` of the line's quantity earned (cumulative, so partial returns add up exactly)."""
    return int(points * returned / line.quantity)


def order_reverse(*, order, account, lines: dict[str, object] | None, cause_key: str) -> list[LedgerEntry]:
    """Mark `lines` (product id → quantity; None: everything left) returned and take back what is due.

    The caller holds the account lock and the order row lock and has checked the quantities; an order whose
    every line is back becomes `returned`. Writes nothing to the ledger when nothing is due.
    """
    points = order_points(order)
    order_lines = list(order.lines.all())
    returning = {str(line.product_id): line.quantity - line.returned_quantity for line in order_lines} \
        if lines is None else lines
    line_details = {}
    for line in order_lines:
        key = str(line.product_id)
        quantity = returning.get(key)
        if not quantity:
            continue
        returned = line.returned_quantity + quantity
        earned = points.line_earned.get(key, 0)
        if due := _line_due(earned, line, returned) - _line_due(earned, line, line.returned_quantity):
            line_details[key] = due
        line.returned_quantity = returned
    if lines is None:
        order.lines.update(returned_quantity=F("quantity"))
    else:
        for line in order_lines:
            if str(line.product_id) in returning:
                type(line).objects.filter(pk=line.pk).update(returned_quantity=line.returned_quantity)
    whole = all(line.returned_quantity >= line.quantity for line in order_lines)
    if whole and lines is not None:  # the last line of a partial return (a full one: the caller sets the status)
        order.status = OrderStatus.RETURNED
        order.save(update_fields=["status", "updated_at"])
    if whole:
        due = points.earned  # the whole order is back: bonuses go too
    else:
        due = sum(_line_due(points.line_earned.get(str(line.product_id), 0), line, line.returned_quantity)
                  for line in order_lines)
    still_held_or_spent = points.earned - points.expired
    take = (due * still_held_or_spent // points.earned if points.earned else 0) - points.reversed
    if take <= 0:
        return []
    details = {"lines": line_details, **({"expired_unused": points.expired} if points.expired else {})}
    return _take_back(account, order=order, points=take, cause_key=cause_key, details=details, now=timezone.now())


def _take_back(account, *, order, points, cause_key, details, now) -> list[LedgerEntry]:
    """Reverse `points`: from the order's own lots first, then other available points (FIFO), the rest as debt."""
    own = list(PointsLot.objects.filter(order=order, member_id=account.member_id, remaining__gt=0,
                                        state__in=[LotState.PENDING, LotState.AVAILABLE]).order_by("id"))
    taken = consume_lots(own, points)
    left = points - sum(taken.values())
    if left:
        others = consume_lots(available_lots_fifo(account.member_id, exclude_order=order), left)
        taken[LotState.AVAILABLE] = taken.get(LotState.AVAILABLE, 0) + others.get(LotState.AVAILABLE, 0)
        left -= sum(others.values())
    written = []
    for bucket in (LedgerBucket.PENDING, LedgerBucket.AVAILABLE):
        if taken.get(bucket):
            written.append(_entry(account, kind=LedgerEntryKind.REVERSE, bucket=bucket, points=-taken[bucket],
                                  reason=f"Return of order {order.external_id}", cause_key=f"{cause_key}:{bucket}",
                                  now=now, order=order, details=details))
            details = {}  # the line breakdown is recorded once per reversal
            _move(account, bucket, -taken[bucket])
    if left:
        written.append(_entry(account, kind=LedgerEntryKind.REVERSE, bucket=LedgerBucket.DEBT, points=left,
                              reason=f"Return of order {order.external_id}: points already spent",
                              cause_key=f"{cause_key}:debt", now=now, order=order, details=details))
        _move(account, LedgerBucket.DEBT, left)
    balances_save(account)
    return written


def order_return_record(order, cause_key, lines, entries) -> list[LedgerEntry]:
    """The return's own row: what makes a replay of it (even one that reversed no points) a no-op."""
    OrderReturn.objects.create(order=order, cause_key=cause_key, lines=lines or {}, created_at=timezone.now(),
                               points_reversed=sum(abs(e.points) for e in entries))
    return entries
