"""Writes of the loyalty programme; import them from `loyalty.services`."""
from .daily import points_daily, points_expire_due, points_unlock_due
from .ledger import points_adjust, points_award_bonus, points_redeem

__all__ = [
    "points_adjust", "points_award_bonus", "points_daily", "points_expire_due", "points_redeem", "points_unlock_due",
]
