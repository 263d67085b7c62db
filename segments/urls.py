from django.urls import path

from .apis import SegmentListApi, SegmentMembersApi

urlpatterns = [
    path("segments/", SegmentListApi.as_view(), name="segment-list"),
    path("segments/<slug:slug>/members", SegmentMembersApi.as_view(), name="segment-members"),
]
