"""Loyalty's part of a member's personal data: its sections of the export, and what erasure blanks here.

The ledger, orders, coupons and points lots are kept (the books must add up) under the member's pseudonymous
id; only free text that may name the member goes (staff's ledger reasons, a merged duplicate's contact snapshot).
"""
from collections import defaultdict

from django.dispatch import receiver

from customers.personal_data import export_rows, scrub
from customers.signals import member_data_exported, member_erasing

from .models import Coupon, CouponRedemption, LedgerEntry, MemberAccount, MemberMerge, Order, OrderLine, TierHistory


@receiver(member_data_exported)
def loyalty_sections(sender, member, **kwargs):
    orders = export_rows(Order.objects.filter(member=member).order_by("created_at", "id"),
                         "id", "source", "external_id", "created_at", "status", "total", "currency", "channel", "store")
    lines = defaultdict(list)
    for line in OrderLine.objects.filter(order__member=member).values(
            "order_id", "product__sku", "product__name", "quantity", "unit_price", "returned_quantity"):
        lines[line.pop("order_id")].append(line)
    for order in orders:
        order["lines"] = lines[order.pop("id")]
    account = MemberAccount.objects.filter(member=member).values(
        "available_points", "pending_points", "debt_points", "tier__name", "tier_valid_until").first()
    return {
        "account": account,
        "orders": orders,
        "ledger": export_rows(LedgerEntry.objects.filter(member=member).order_by("created_at", "id"),
                              "created_at", "kind", "bucket", "points", "order__external_id", "reason"),
        "coupons": export_rows(Coupon.objects.filter(member=member).order_by("issued_at", "id"),
                               "code", "template__name", "source", "issued_at", "expires_at", "uses", "max_uses"),
        "coupon_redemptions": export_rows(CouponRedemption.objects.filter(member=member).order_by("redeemed_at"),
                                          "coupon__code", "order_external_id", "order_total", "discount",
                                          "redeemed_at"),
        "tier_history": export_rows(TierHistory.objects.filter(member=member).order_by("changed_at", "id"),
                                    "changed_at", "from_tier__name", "to_tier__name", "reason"),
    }


@receiver(member_erasing)
def loyalty_erase(sender, member, identifiers, pseudonym, **kwargs):
    # Free text typed by staff (an adjustment's reason) may name the member; amounts and causes stay.
    for model in (LedgerEntry, TierHistory):
        for pk, reason in model.objects.filter(member=member).exclude(reason="").values_list("pk", "reason"):
            cleaned = scrub(reason, identifiers)
            if cleaned != reason:
                model.objects.filter(pk=pk).update(reason=cleaned)
    MemberMerge.objects.filter(survivor=member).update(duplicate_snapshot={}, duplicate_external_id=pseudonym)
