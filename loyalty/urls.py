from django.urls import path

from .apis.coupons import CouponRedeemApi, CouponValidateApi
from .apis.members import MemberLookupApi
from .apis.orders import OrderReturnApi, OrderUpsertApi
from .apis.redemptions import MemberRedemptionApi

urlpatterns = [
    path("orders", OrderUpsertApi.as_view(), name="order-upsert"),
    path("orders/<str:external_id>/return", OrderReturnApi.as_view(), name="order-return"),
    path("members/lookup", MemberLookupApi.as_view(), name="member-lookup"),
    path("members/<str:external_id>/redemptions", MemberRedemptionApi.as_view(), name="member-redemptions"),
    path("coupons/validate", CouponValidateApi.as_view(), name="coupon-validate"),
    path("coupons/redeem", CouponRedeemApi.as_view(), name="coupon-redeem"),
]
