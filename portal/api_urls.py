"""The members' API: `/api/v1/auth/...` and `/api/v1/me/...` (mounted under /api/v1/ by config.urls)."""
from django.urls import path

# Ids are matched as any segment and checked in the view, so a malformed id is a JSON 404, not an HTML page.

from .apis import auth, campaigns, loyalty, me

urlpatterns = [
    path("auth/sign-up", auth.SignUpApi.as_view(), name="member-sign-up"),
    path("auth/sign-in", auth.SignInApi.as_view(), name="member-sign-in"),
    path("auth/code", auth.CodeRequestApi.as_view(), name="member-code-request"),
    path("auth/code/verify", auth.CodeVerifyApi.as_view(), name="member-code-verify"),
    path("auth/sign-out", auth.SignOutApi.as_view(), name="member-sign-out"),
    path("auth/password-reset", auth.PasswordResetApi.as_view(), name="member-password-reset"),
    path("auth/password-reset/confirm", auth.PasswordResetConfirmApi.as_view(), name="member-password-reset-confirm"),
    path("me", me.MeApi.as_view(), name="me"),
    path("me/export", me.ExportApi.as_view(), name="me-export"),
    path("me/devices", me.DeviceApi.as_view(), name="me-devices"),
    path("me/survey", me.SurveyApi.as_view(), name="me-survey"),
    path("me/referral", me.ReferralApi.as_view(), name="me-referral"),
    path("me/orders", me.OrdersApi.as_view(), name="me-orders"),
    path("me/balance", loyalty.BalanceApi.as_view(), name="me-balance"),
    path("me/ledger", loyalty.LedgerApi.as_view(), name="me-ledger"),
    path("me/tier", loyalty.TierApi.as_view(), name="me-tier"),
    path("me/coupons", loyalty.CouponsApi.as_view(), name="me-coupons"),
    path("me/coupons/<str:coupon_id>", loyalty.CouponDetailApi.as_view(), name="me-coupon"),
    path("me/rewards", loyalty.RewardsApi.as_view(), name="me-rewards"),
    path("me/offers", campaigns.OffersApi.as_view(), name="me-offers"),
    path("me/reviews", campaigns.ReviewApi.as_view(), name="me-reviews"),
    path("me/rewards/<str:reward_id>/redeem", loyalty.RewardRedeemApi.as_view(), name="me-reward-redeem"),
]
