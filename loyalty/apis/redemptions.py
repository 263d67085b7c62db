"""Spending points at checkout."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.exceptions import NotFound
from core.idempotency import idempotent
from core.serializers import StrictSerializer
from loyalty.models import MemberAccount
from loyalty.selectors import member_by_external_id
from loyalty.services import points_redeem

from .base import IDEMPOTENCY_KEY, WRITE_ERRORS, PosApi, error


class RedemptionInput(StrictSerializer):
    points = serializers.IntegerField(min_value=1, max_value=10**9)
    transaction_id = serializers.CharField(
        max_length=64, help_text="The till's id for this spend; sending it again never spends twice."
    )
    reason = serializers.CharField(max_length=200, required=False, default="Spent at checkout")


class BalanceOutput(serializers.ModelSerializer):
    available = serializers.IntegerField(source="available_points")
    pending = serializers.IntegerField(source="pending_points")
    debt = serializers.IntegerField(source="debt_points")

    class Meta:
        model = MemberAccount
        fields = ["available", "pending", "debt"]


class RedemptionOutput(serializers.Serializer):
    entry_id = serializers.IntegerField(source="entry.pk")
    member = serializers.CharField(source="member.external_id")
    points = serializers.IntegerField(help_text="Points spent (positive).")
    transaction_id = serializers.CharField()
    created_at = serializers.DateTimeField(source="entry.created_at")
    balance = BalanceOutput(source="account")


@extend_schema(
    tags=["members"],
    summary="Spend a member's points at checkout",
    parameters=[IDEMPOTENCY_KEY],
    request=RedemptionInput,
    responses={
        201: RedemptionOutput,
        404: error("`not_found`: no member with this external id."),
        409: error("`insufficient_points`, `cause_key_reused`, or `idempotency_request_in_progress`."),
        **{k: v for k, v in WRITE_ERRORS.items() if k != 409},
    },
)
class MemberRedemptionApi(PosApi):
    @idempotent
    def post(self, request, external_id):
        member = member_by_external_id(external_id=external_id)
        if member is None:
            raise NotFound("No member has this external id.", code="member_not_found")
        data = RedemptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        transaction_id = data.validated_data["transaction_id"]
        entry = points_redeem(
            member=member,
            points=data.validated_data["points"],
            reason=data.validated_data["reason"],
            # The till's transaction id, in this API key's space: a retry spends nothing more.
            cause_key=f"api:{request.auth.pk}:redeem:{transaction_id}",
        )
        result = {
            "entry": entry, "member": member, "points": -entry.points, "transaction_id": transaction_id,
            "account": MemberAccount.objects.get(member=member),
        }
        return Response(RedemptionOutput(result).data, status=status.HTTP_201_CREATED)
