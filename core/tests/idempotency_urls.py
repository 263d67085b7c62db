"""A writing test endpoint that proves the idempotency mechanism independently of any app's API."""
import time

from django.urls import path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_keys import ApiKeyAuthentication, HasApiScope
from core.exceptions import DomainError
from core.idempotency import idempotent
from core.throttling import ApiKeyRateThrottle
from customers.models import Member


class MemberInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    refuse = serializers.BooleanField(default=False)
    crash = serializers.BooleanField(default=False)
    pause = serializers.FloatField(default=0)


class MemberCreateApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope = "pos"

    @idempotent
    def post(self, request):
        data = MemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = Member.objects.create(external_id=data.validated_data["external_id"], registered_at=timezone.now())
        time.sleep(data.validated_data["pause"])  # keeps the request in flight for the parallel tests
        if data.validated_data["refuse"]:
            raise DomainError("Refused after writing.", code="refused")
        if data.validated_data["crash"]:
            raise RuntimeError("boom")
        return Response({"id": member.pk, "external_id": member.external_id}, status=status.HTTP_201_CREATED)


urlpatterns = [path("test/members", MemberCreateApi.as_view())]
