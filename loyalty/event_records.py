"""Built-in events for what loyalty does (events.services.builtin), recorded in the transaction of the cause.

Each event's id is its cause's own key (the order, the ledger entry, the coupon, the redemption), so an order
re-sent or a redemption retried records nothing twice. Connected in LoyaltyConfig.ready().
"""
from django.utils import timezone

from events.services import event_record, events_record_mixed

from .signals import coupon_issued, coupon_redeemed, order_recorded, points_earned, points_spent, tier_changed


def on_order_recorded(sender, order, created, **kwargs):
    """`order_completed`, and the order's `points_earned`, in one statement (the order path counts statements)."""
    if order.status != "completed":
        return
    at = order.earned_at or timezone.now()
    rows = [("order_completed", f"order:{order.pk}", {
        "order": order.external_id, "total": str(order.total), "currency": order.currency, "channel": order.channel,
        "store": order.store})]
    points = getattr(order, "points_earned", 0) or 0
    if points > 0:
        rows.append(("points_earned", f"order-points:{order.pk}", {"points": points, "kind": "earn",
                                                                  "order": order.external_id}))
    events_record_mixed(rows=[(type_key, event_id, order.member_id, at, properties)
                              for type_key, event_id, properties in rows])


def on_points_earned(sender, member, entry, **kwargs):
    if entry.order_id:
        return  # recorded with its order (on_order_recorded)
    event_record(type_key="points_earned", event_id=f"ledger:{entry.pk}", member_id=member.pk,
                 occurred_at=entry.created_at, properties={"points": entry.points, "kind": entry.kind,
                                                           "reason": entry.reason})


def on_points_spent(sender, member, entry, **kwargs):
    event_record(type_key="points_spent", event_id=f"ledger:{entry.pk}", member_id=member.pk,
                 occurred_at=entry.created_at, properties={"points": -entry.points, "reason": entry.reason})


def on_tier_changed(sender, member, from_tier, to_tier, **kwargs):
    now = timezone.now()
    event_record(type_key="tier_changed", event_id=f"tier:{member.pk}:{now:%Y%m%d%H%M%S%f}", member_id=member.pk,
                 occurred_at=now, properties={"from_tier": getattr(from_tier, "slug", None),
                                              "to_tier": getattr(to_tier, "slug", None),
                                              "to_tier_name": getattr(to_tier, "name", None)})


def on_coupon_issued(sender, coupon, **kwargs):
    if coupon.member_id:
        event_record(type_key="coupon_issued", event_id=f"coupon:{coupon.pk}", member_id=coupon.member_id,
                     occurred_at=coupon.issued_at, properties={
                         "code": coupon.code, "template": coupon.template.name, "source": coupon.source,
                         "expires_at": coupon.expires_at.isoformat()})


def on_coupon_redeemed(sender, redemption, **kwargs):
    if redemption.member_id:
        event_record(type_key="coupon_redeemed", event_id=f"redemption:{redemption.pk}",
                     member_id=redemption.member_id, occurred_at=redemption.redeemed_at, properties={
                         "code": redemption.coupon.code, "order": redemption.order_external_id,
                         "discount": str(redemption.discount)})


def connect():
    for signal, receiver in ((order_recorded, on_order_recorded), (points_earned, on_points_earned),
                             (points_spent, on_points_spent), (tier_changed, on_tier_changed),
                             (coupon_issued, on_coupon_issued), (coupon_redeemed, on_coupon_redeemed)):
        signal.connect(receiver, dispatch_uid=f"events_{receiver.__name__}", weak=False)
