"""Member lookup at the till: by phone, email or loyalty card."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.reused_serializers import ReusedSerializer
from core.serializers import ModelFieldsOnceMixin
from customers.models import Member
from loyalty.selectors import member_lookup_with_account

from .base import COMMON_ERRORS, PosApi, error


class MemberLookupInput(serializers.Serializer):
    phone = serializers.CharField(required=False, max_length=32)
    email = serializers.CharField(required=False, max_length=254)
    card = serializers.CharField(required=False, max_length=32)


class MemberOutput(ModelFieldsOnceMixin, serializers.ModelSerializer):
    tier = serializers.CharField(source="account.tier.slug", default=None, allow_null=True)
    points_available = serializers.IntegerField(source="account.available_points", default=0)
    points_pending = serializers.IntegerField(source="account.pending_points", default=0)

    class Meta:
        model = Member
        fields = [
            "external_id", "first_name", "last_name", "email", "phone", "card_number", "tier",
            "points_available", "points_pending",
        ]


@extend_schema(
    tags=["members"],
    summary="Find a member by phone, email or card",
    parameters=[MemberLookupInput],
    responses={
        200: MemberOutput,
        404: error("`member_not_found`"),
        409: error("`member_ambiguous`: several members share the identifier."),
        **COMMON_ERRORS,
    },
)
class MemberLookupApi(PosApi):
    # Built once per process, not per request (core.reused_serializers): the same validation and JSON.
    lookup_input, member_output = ReusedSerializer(MemberLookupInput), ReusedSerializer(MemberOutput)

    def get(self, request):
        member = member_lookup_with_account(**self.lookup_input.validated(request.query_params))
        return Response(self.member_output.data(member))
