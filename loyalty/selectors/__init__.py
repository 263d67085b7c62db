"""Reads of the loyalty programme; import them from `loyalty.selectors`."""
from .coupons import member_coupons, rewards_available
from .ledger import Balance, ledger_mismatches, member_balance, member_ledger, orders_holding_points
from .members import member_account_attach, member_by_external_id, member_lookup_with_account
from .tiers import TierProgress, tier_progress

__all__ = [
    "Balance", "TierProgress", "ledger_mismatches", "member_account_attach", "member_balance", "member_by_external_id", "member_coupons", "member_ledger",
    "member_lookup_with_account",
    "orders_holding_points", "rewards_available", "tier_progress",
]
