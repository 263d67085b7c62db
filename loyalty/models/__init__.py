"""Loyalty models, one module per area; import them from `loyalty.models`."""
from .coupons import Coupon, CouponRedemption, CouponTemplate, DiscountKind, Reward
from .orders import Category, Order, OrderLine, OrderReturn, OrderStatus, Product, SalesChannel
from .programme import (
    EarningRule,
    EarningRuleKind,
    LedgerBucket,
    LedgerEntry,
    LedgerEntryKind,
    LotState,
    MemberAccount,
    MemberMerge,
    PointsLot,
    ProgrammeSettings,
    QualifyBy,
    ReferralBeneficiary,
    Tier,
    TierHistory,
    ValidityKind,
)

__all__ = [
    "Category", "Coupon", "CouponRedemption", "CouponTemplate", "DiscountKind", "EarningRule", "EarningRuleKind",
    "LedgerBucket", "LedgerEntry", "LedgerEntryKind", "LotState", "MemberAccount", "MemberMerge", "Order",
    "OrderLine", "OrderReturn", "OrderStatus", "PointsLot", "Product", "ProgrammeSettings", "QualifyBy", "ReferralBeneficiary",
    "Reward", "SalesChannel", "Tier", "TierHistory", "ValidityKind",
]
