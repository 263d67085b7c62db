"""Writes of the loyalty programme; import them from `loyalty.services`."""
from .coupons import coupon_issue, coupon_redeem, coupon_validate, reward_redeem
from .daily import points_daily, points_expire_due, points_unlock_due
from .ledger import points_adjust, points_award_bonus, points_redeem
from .merge import member_merge
from .orders import order_return, order_upsert
from .tiers import tier_upgrade_if_qualified, tiers_review

__all__ = [
    "coupon_issue", "coupon_redeem", "coupon_validate", "member_merge", "order_return", "order_upsert",
    "points_adjust", "points_award_bonus", "points_daily", "points_expire_due", "points_redeem", "points_unlock_due",
    "reward_redeem", "tier_upgrade_if_qualified", "tiers_review",
]
