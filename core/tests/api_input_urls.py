"""Test endpoints under /api/ that crash in the ways a real view could, plus the real URLs around them."""
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class CrashingApi(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        raise RuntimeError("boom")

    def post(self, request):
        return Response({"received": request.data})


def crashing_django_view(request):
    raise RuntimeError("boom outside DRF")


urlpatterns = [
    path("api/test/crash", CrashingApi.as_view()),
    path("api/test/django-crash", crashing_django_view),
    path("", include("config.urls")),
]
