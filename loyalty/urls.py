from django.urls import path

from .apis.members import MemberLookupApi

urlpatterns = [
    path("members/lookup", MemberLookupApi.as_view(), name="member-lookup"),
]
