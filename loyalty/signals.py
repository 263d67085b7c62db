"""Signals loyalty sends inside the transaction that causes them, so receivers can write outbox rows atomically.

- order_recorded(order, created): `order_upsert` wrote an order (created, or updated by a resend).
- points_earned(member, entry): an earn or bonus entry was written.
- tier_changed(member, from_tier, to_tier): a member moved tier (either may be None).
- coupon_issued(coupon): a coupon was issued to a member (by staff, a reward or a campaign).
- points_spent(member, entry): a redemption entry was written (once per cause key).
- coupon_redeemed(redemption): a coupon was used on an order (once per order).
"""
from django.dispatch import Signal

order_recorded = Signal()
points_earned = Signal()
tier_changed = Signal()
coupon_issued = Signal()
points_spent = Signal()
coupon_redeemed = Signal()
