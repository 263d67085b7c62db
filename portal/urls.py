"""The members' web portal, mounted at the site root."""
from django.urls import path

from .web import auth_views, campaign_views, loyalty_views, profile_views

app_name = "portal"
urlpatterns = [
    path("", loyalty_views.dashboard, name="dashboard"),
    path("sign-in/", auth_views.sign_in, name="sign_in"),
    path("sign-in/code/", auth_views.sign_in_code, name="sign_in_code"),
    path("sign-up/", auth_views.sign_up, name="sign_up"),
    path("join/<str:referral_code>/", auth_views.sign_up, name="join"),
    path("sign-out/", auth_views.sign_out, name="sign_out"),
    path("password-reset/", auth_views.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/request/", auth_views.password_reset_request, name="password_reset"),
    path("history/", loyalty_views.history, name="history"),
    path("coupons/", loyalty_views.coupons, name="coupons"),
    path("rewards/", loyalty_views.rewards, name="rewards"),
    path("rewards/<int:reward_id>/redeem/", loyalty_views.reward_redeem, name="reward_redeem"),
    path("offers/", campaign_views.offers, name="offers"),
    path("reviews/<str:token>/", campaign_views.review, name="review"),
    path("profile/", profile_views.profile, name="profile"),
    path("profile/unsubscribe/<str:channel>/", profile_views.unsubscribe, name="unsubscribe"),
    path("referral/", profile_views.referral, name="referral"),
]
