from django.urls import path

from .apis.members import MemberLookupApi
from .apis.redemptions import MemberRedemptionApi

urlpatterns = [
    path("members/lookup", MemberLookupApi.as_view(), name="member-lookup"),
    path("members/<str:external_id>/redemptions", MemberRedemptionApi.as_view(), name="member-redemptions"),
]
