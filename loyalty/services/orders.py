"""Orders from the shop and the POS: upsert (earning when an order becomes completed) and returns."""
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import Conflict, DomainError
from core.rows import model_insert, model_rows, models_insert
from core.timezones import as_shop_aware
from events.services import events_attach_anonymous

from ..models import (
    LedgerEntry,
    LedgerEntryKind,
    Order,
    OrderLine,
    OrderReturn,
    OrderStatus,
    Product,
    SalesChannel,
)
from ..signals import order_recorded
from .earning import earning_config, needs_first_purchase, order_day, order_earning
from .ledger import account_lock, balances_save, credit, entries_for_cause
from .returns import order_return_record, order_reverse
from .tiers import tier_upgrade_if_qualified


def _decimal(value, name, *, positive=False):
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(f"{name} must be a decimal number.", code="invalid", fields={name: ["A decimal number."]}) from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        message = "Must be greater than zero." if positive else "Must not be negative."
        raise DomainError(f"{name}: {message}", code="invalid_amount", fields={name: [message]})
    return number


def _clean_lines(lines) -> list[dict]:
    cleaned, seen = [], set()
    for index, line in enumerate(lines or []):
        sku = str(line.get("sku") or "").strip()
        if not sku:
            raise DomainError("Each line needs a sku.", code="invalid", fields={f"lines[{index}].sku": ["Required."]})
        if sku in seen:
            raise DomainError("A sku appears twice.", code="invalid", fields={f"lines[{index}].sku": ["Duplicate."]})
        seen.add(sku)
        cleaned.append({
            "sku": sku, "name": str(line.get("name") or sku)[:255],
            "quantity": _decimal(line.get("quantity", 1), f"lines[{index}].quantity", positive=True),
            "unit_price": _decimal(line.get("unit_price"), f"lines[{index}].unit_price"),
        })
    return cleaned


def _products_by_sku(lines) -> dict[str, Product]:
    """The lines' products in one query, creating the missing ones (a no-op for any a parallel request made)."""
    skus = [line["sku"] for line in lines]
    products = {p.sku: p for p in model_rows(Product, f"sku IN ({', '.join(['%s'] * len(skus))})", skus)}
    missing = [Product(sku=line["sku"], name=line["name"]) for line in lines if line["sku"] not in products]
    if missing:
        Product.objects.bulk_create(missing, ignore_conflicts=True)
        products.update((p.sku, p) for p in Product.objects.filter(sku__in=[p.sku for p in missing]))
    return products


def _save_lines(order, lines, *, replace=True) -> list[OrderLine]:
    """Write the order's lines in one INSERT; returns them with their products (for earning, no re-read)."""
    if not lines:
        if replace:
            order.lines.all().delete()
        return []
    products = _products_by_sku(lines)
    if replace:
        order.lines.all().delete()
    return models_insert([
        OrderLine(order=order, product=products[line["sku"]], quantity=line["quantity"], unit_price=line["unit_price"])
        for line in lines
    ])


def _remember_lines(order, lines) -> None:
    """Let `order.lines.all()` return the lines just written, exactly as prefetch_related stores them."""
    queryset = order.lines.all()
    queryset._result_cache, queryset._prefetch_done = list(lines), True
    order._prefetched_objects_cache = {"lines": queryset}


# The order state machine: where an order may go from each status. Sending the status it has is a replay
# (allowed; a pending order's lines and total may still change). Leaving `completed` reverses what the
# order earned; anything else is refused with 409 `invalid_status_change` and writes nothing.
ORDER_TRANSITIONS = {
    OrderStatus.PENDING: {OrderStatus.COMPLETED, OrderStatus.CANCELLED},
    OrderStatus.COMPLETED: {OrderStatus.RETURNED, OrderStatus.CANCELLED},
    OrderStatus.RETURNED: set(),
    OrderStatus.CANCELLED: set(),
}
_REFUSED = {
    (OrderStatus.COMPLETED, OrderStatus.PENDING): "A completed order cannot go back to pending: return or cancel it.",
    (OrderStatus.PENDING, OrderStatus.RETURNED): "A pending order was never completed: cancel it instead.",
    OrderStatus.RETURNED: "A returned order cannot change status.",
    OrderStatus.CANCELLED: "A cancelled order cannot change status.",
}


def _earn(order, account, *, config, lines=None, new_order=False):
    """Write what a completed order earns. The caller stamps `order.earned_at` in the same transaction and
    calls this only for an order that had none, so an order is priced once even when it earns nothing (a
    re-send after a rate or tier change finds the stamp); every entry also has a unique cause key.

    `lines`: the order's lines with products when the caller just wrote them. `new_order`: the order was
    inserted in this transaction (the API answers with what was written here).
    """
    member = account.member
    rules = config.rules_on(order_day(order))
    # Only first-purchase and referral bonuses care; skip the query when no such rule is active.
    is_first = needs_first_purchase(rules=rules) and not (
        Order.objects.filter(member=member, status=OrderStatus.COMPLETED).exclude(pk=order.pk).exists()
    )
    if lines is None:
        lines = list(order.lines.select_related("product"))
    tiers_by_id = {tier.pk: tier for tier in config.tiers}
    tier = tiers_by_id.get(account.tier_id) if account.tier_id in tiers_by_id else account.tier
    earning = order_earning(order=order, lines=lines, member=member, tier=tier, is_first_purchase=is_first,
                            config=config)
    now = timezone.now()
    written = 0
    if earning.line_total:
        credit(account, kind=LedgerEntryKind.EARN, points=earning.line_total, reason=f"Order {order.external_id}",
               cause_key=f"order:{order.pk}:earn", now=now, pending=True, order=order,
               details={"lines": earning.line_points, "tier": tier.slug if tier else None})
        written += earning.line_total
    for bonus, points in earning.bonuses:
        key = f"member:{member.pk}:{bonus}"
        if not LedgerEntry.objects.filter(cause_key=key).exists():
            credit(account, kind=LedgerEntryKind.EARN, points=points, reason=f"Bonus: {bonus.split(':')[0]}",
                   cause_key=key, now=now, pending=True, order=order, details={"bonus": bonus})
            written += points
    if written:
        balances_save(account)
    if new_order:
        order.points_earned = written  # what the API answers; an order sent again sums its entries instead
    if earning.referrer_bonus and member.referred_by_id:
        key = f"member:{member.pk}:referral:referrer"
        referrer_account = account_lock(member=member.referred_by)
        if not LedgerEntry.objects.filter(cause_key=key).exists():
            credit(referrer_account, kind=LedgerEntryKind.BONUS, points=earning.referrer_bonus,
                   reason=f"Referral: {member.external_id} made a first purchase", cause_key=key, now=now)
            balances_save(referrer_account)
    if _may_upgrade(account, tiers_by_id):
        tier_upgrade_if_qualified(account=account)


def _may_upgrade(account, tiers_by_id) -> bool:
    """False when no tier is above the member's and no grace period runs (tier_upgrade_if_qualified's own
    shortcut, taken here from the cached tiers so the tier table is not read on every order)."""
    if not tiers_by_id:
        return False
    current = tiers_by_id.get(account.tier_id)
    if account.tier_id is not None and current is None:
        return True  # a tier newer than the cache: let the service decide
    rank = current.rank if current is not None else -1
    return account.tier_below_since is not None or any(tier.rank > rank for tier in tiers_by_id.values())


def order_upsert(*, source, external_id, member, created_at, status, total, currency, channel, store="",
                 lines: list[dict], anonymous_id: str = "", savepoint: bool = True) -> tuple[Order, bool]:
    """Create or update an order by (source, external_id); returns (order, created).

    Status changes follow ORDER_TRANSITIONS. Earning runs once, when the order first becomes completed, and
    stamps `earned_at` even when it earns nothing, so no re-send prices it again. A completed order sent as
    returned or cancelled is reversed (`order_reverse`: less what expired unused). Locks the member's
    account, so parallel calls for one member queue. Raises DomainError `currency_mismatch`,
    `invalid_amount`, `order_member_mismatch` (409), `invalid_status_change` (409); nothing is written then.

    A new completed order costs about ten statements: the account lock, one INSERT … ON CONFLICT for the
    order, one product read and one INSERT for all lines, the earn entry, its lot and the account update
    (the programme's settings, rules and tiers come from `earning_config()`).

    With `anonymous_id` (the web shop's id for the visitor before they were known), that id's events become the
    member's (`events_attach_anonymous`: one UPDATE, idempotent, never taking another member's events).

    Inside a caller's transaction the order runs in a savepoint, so a caller that catches the DomainError can go
    on (the importer does). `savepoint=False` is for a caller whose transaction rolls back whole on any error
    (the order API's): two round trips (SAVEPOINT, RELEASE) fewer on every order.
    """
    with transaction.atomic(savepoint=savepoint):
        return _order_upsert(source=source, external_id=external_id, member=member, created_at=created_at,
                             status=status, total=total, currency=currency, channel=channel, store=store,
                             lines=lines, anonymous_id=anonymous_id)


def _order_upsert(*, source, external_id, member, created_at, status, total, currency, channel, store, lines,
                  anonymous_id):
    account = account_lock(member=member)
    if currency != settings.SHOP_CURRENCY:
        raise DomainError(f"The programme runs in {settings.SHOP_CURRENCY}.", code="currency_mismatch",
                          fields={"currency": [f"Must be {settings.SHOP_CURRENCY}."]})
    if status not in OrderStatus.values:
        raise DomainError("Unknown status.", code="invalid", fields={"status": [f"One of {OrderStatus.values}."]})
    if channel not in SalesChannel.values:
        raise DomainError("Unknown channel.", code="invalid", fields={"channel": [f"One of {SalesChannel.values}."]})
    if not external_id:
        raise DomainError("external_id is required.", code="invalid", fields={"external_id": ["Required."]})
    total = _decimal(total, "total")
    lines = _clean_lines(lines)
    created_at = as_shop_aware(created_at)
    config = earning_config()
    order = Order(source=source, external_id=external_id, member=member, created_at=created_at, status=status,
                  total=total, currency=currency, channel=channel, store=store or "",
                  earned_at=timezone.now() if status == OrderStatus.COMPLETED else None)
    # One INSERT … ON CONFLICT (source, external_id) DO NOTHING: no savepoint for the usual case, a new order. A
    # parallel insert of the same id by another member's request waits for that transaction, then does nothing.
    created = model_insert(order, conflict=("source", "external_id"))
    saved_lines = None
    if created:
        saved_lines = _save_lines(order, lines, replace=False)
        _remember_lines(order, saved_lines)
        earn = order.status == OrderStatus.COMPLETED
    else:
        # Taken: by this member before, or by another member's request that committed while we waited.
        order = Order.objects.select_for_update().get(source=source, external_id=external_id)
        if order.member_id != member.pk:
            raise Conflict("This order belongs to another member.", code="order_member_mismatch",
                           fields={"external_id": ["Already used by another member."]})
        previous = order.status
        if status != previous and status not in ORDER_TRANSITIONS[previous]:
            raise Conflict(_REFUSED.get((previous, status)) or _REFUSED[previous], code="invalid_status_change",
                           fields={"status": [f"The order is {previous}."]})
        if previous == OrderStatus.PENDING:
            if lines and order.earned_at is None:
                _save_lines(order, lines)
            order.total, order.created_at, order.channel, order.store = total, created_at, channel, store or ""
        if status != previous:
            order.status = status
            if previous == OrderStatus.COMPLETED or order.earned_at is not None:  # leaving what it earned
                cause_key = f"order:{order.pk}:{status}"
                order_return_record(order, cause_key, None, order_reverse(order=order, account=account, lines=None,
                                                                          cause_key=cause_key))
        earn = order.status == OrderStatus.COMPLETED and order.earned_at is None
        if earn:
            order.earned_at = timezone.now()
        order.save()
    if earn:
        _earn(order, account, config=config, lines=saved_lines, new_order=created)
    elif created:
        order.points_earned = 0  # a new order that is not completed has earned nothing
    order_recorded.send(sender=Order, order=order, created=created)
    if anonymous_id:
        events_attach_anonymous(anonymous_id=anonymous_id, member_id=member.pk)
    return order, created


@transaction.atomic
def order_return(*, order, lines: list[dict] | None = None, cause_key: str | None = None) -> list[LedgerEntry]:
    """Return a completed order in full (`lines=None`) or some lines (`[{"sku", "quantity"}]`).

    Takes back what the returned part earned less what of it expired unused (see `loyalty.services.returns`);
    points already spent are taken from the member's other available points, and whatever is still missing
    becomes debt that later earning pays off first — the balance never goes negative. Idempotent by
    `cause_key` (a replay returns the first call's entries, whatever the order's status now). Raises
    DomainError `order_not_completed` (409), `unknown_line`, `return_exceeds_quantity`, `invalid_amount`.
    """
    account = account_lock(member=order.member)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if cause_key and OrderReturn.objects.filter(cause_key=cause_key).exists():
        return list(entries_for_cause(cause_key))
    if order.status != OrderStatus.COMPLETED:
        raise Conflict("Only a completed order can be returned.", code="order_not_completed",
                       fields={"status": [f"The order is {order.status}."]})
    cause_key = cause_key or f"order:{order.pk}:return:{timezone.now().timestamp()}"
    if lines is None:
        entries = order_reverse(order=order, account=account, lines=None, cause_key=cause_key)
        order.status = OrderStatus.RETURNED
        order.save(update_fields=["status", "updated_at"])
        return order_return_record(order, cause_key, None, entries)
    by_sku = {line.product.sku: line for line in order.lines.select_related("product")}
    returning = {}  # sku -> quantity; lines of one SKU add up, and the check is on their sum
    for index, line in enumerate(lines):
        sku = str(line.get("sku") or "")
        if sku not in by_sku:
            raise DomainError("The order has no such line.", code="unknown_line",
                              fields={f"lines[{index}].sku": ["Not in this order."]})
        quantity = _decimal(line.get("quantity"), f"lines[{index}].quantity", positive=True)
        order_line = by_sku[sku]
        returning[sku] = returning.get(sku, 0) + quantity
        if returning[sku] > order_line.quantity - order_line.returned_quantity:
            raise DomainError("More returned than bought.", code="return_exceeds_quantity",
                              fields={f"lines[{index}].quantity": [
                                  f"At most {order_line.quantity - order_line.returned_quantity} in all."]})
    if not returning:
        raise DomainError("Nothing to return.", code="invalid", fields={"lines": ["At least one line."]})
    by_product = {str(by_sku[sku].product_id): quantity for sku, quantity in returning.items()}
    entries = order_reverse(order=order, account=account, lines=by_product, cause_key=cause_key)
    return order_return_record(order, cause_key, {sku: str(quantity) for sku, quantity in returning.items()}, entries)


def order_points_earned(*, order) -> int:
    return LedgerEntry.objects.filter(order=order, kind=LedgerEntryKind.EARN).aggregate(s=Sum("points"))["s"] or 0
