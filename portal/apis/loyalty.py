"""The member's points, tier, coupons and rewards: loyalty's selectors and services, scoped to the member."""
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.serializers import DateFilterField, TranslatedTextField
from loyalty import selectors as loyalty_selectors
from loyalty import services as loyalty_services
from loyalty.models import LedgerEntryKind, Reward

from .common import MemberApiView, object_id, MemberListApiView, StrictSerializer, errors


class BalanceSerializer(serializers.Serializer):
    available = serializers.IntegerField()
    pending = serializers.IntegerField()
    debt = serializers.IntegerField()


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    points = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reason = serializers.CharField()
    order_external_id = serializers.CharField(source="order.external_id", allow_null=True, default=None)


class TierSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = TranslatedTextField("name")


class TierProgressSerializer(serializers.Serializer):
    current = TierSerializer(allow_null=True)
    next = TierSerializer(allow_null=True)
    amount_to_next = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_to_keep = serializers.DecimalField(max_digits=14, decimal_places=2)
    measure = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    benefits = serializers.ListField(child=serializers.CharField())
    progress_percent = serializers.IntegerField()


class CouponSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = TranslatedTextField("name", source="template")
    discount_kind = serializers.CharField(source="template.discount_kind")
    discount_value = serializers.DecimalField(max_digits=12, decimal_places=2, source="template.discount_value")
    min_order_total = serializers.DecimalField(max_digits=12, decimal_places=2, source="template.min_order_total")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    uses = serializers.IntegerField()
    max_uses = serializers.IntegerField()


class RewardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = TranslatedTextField("name")
    description = TranslatedTextField("description")
    points_cost = serializers.IntegerField()
    affordable = serializers.SerializerMethodField()

    def get_affordable(self, reward) -> bool:
        return reward.points_cost <= self.context["available"]


class BalanceApi(MemberApiView):
    @extend_schema(responses={200: BalanceSerializer, **errors(401)}, tags=["members: points"])
    def get(self, request):
        return Response(BalanceSerializer(loyalty_selectors.member_balance(member=self.member)).data)


class LedgerFilter(StrictSerializer):
    check_json_types = False  # query parameters are all text

    kind = serializers.ChoiceField(choices=LedgerEntryKind.values, required=False)
    date_from = DateFilterField(required=False)
    date_to = DateFilterField(required=False)
    page = serializers.IntegerField(required=False)
    page_size = serializers.IntegerField(required=False)


@extend_schema(
    parameters=[OpenApiParameter("kind", enum=LedgerEntryKind.values), OpenApiParameter("date_from", type=OpenApiTypes.DATE),
                OpenApiParameter("date_to", type=OpenApiTypes.DATE)],
    responses={200: LedgerEntrySerializer(many=True), **errors(400, 401, 404)}, tags=["members: points"],
)
class LedgerApi(MemberListApiView):
    serializer_class = LedgerEntrySerializer

    def get_queryset(self):
        query = LedgerFilter(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = {k: v for k, v in query.validated_data.items() if k in ("kind", "date_from", "date_to")}
        return loyalty_selectors.member_ledger(member=self.member, **filters)


class TierApi(MemberApiView):
    @extend_schema(responses={200: TierProgressSerializer, **errors(401)}, tags=["members: points"])
    def get(self, request):
        return Response(TierProgressSerializer(loyalty_selectors.tier_progress(member=self.member)).data)


@extend_schema(parameters=[OpenApiParameter("state", enum=["active", "used", "expired"])],
               responses={200: CouponSerializer(many=True), **errors(400, 401, 404)}, tags=["members: coupons"])
class CouponsApi(MemberListApiView):
    serializer_class = CouponSerializer

    def get_queryset(self):
        return loyalty_selectors.member_coupons(member=self.member, state=self.request.query_params.get("state"))


@extend_schema(responses={200: RewardSerializer(many=True), **errors(401, 404)}, tags=["members: rewards"])
class RewardsApi(MemberListApiView):
    """The whole active catalogue; `affordable` says which ones the member's points can buy now."""

    serializer_class = RewardSerializer

    def get_queryset(self):
        return loyalty_selectors.rewards_available()

    def get_serializer_context(self):
        return {**super().get_serializer_context(),
                "available": loyalty_selectors.member_balance(member=self.member).available}


class RewardRedeemApi(MemberApiView):
    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("reward_id", int, OpenApiParameter.PATH),
                    OpenApiParameter("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 64,
                                                         "pattern": r"\S"},
                                     location=OpenApiParameter.HEADER, required=True,
                                     description="A client-made unique key; a retry with the same key returns the "
                                                 "first coupon and spends nothing more.")],
        responses={201: CouponSerializer, **errors(400, 401, 404, 409)}, tags=["members: rewards"],
    )
    def post(self, request, reward_id):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 64:
            return Response({"error": {"code": "invalid", "message": "Invalid input.", "fields": {
                "Idempotency-Key": ["Send a unique key of 1 to 64 characters in this header."]}}},
                status=status.HTTP_400_BAD_REQUEST)
        reward = get_object_or_404(Reward.objects.select_related("template"), pk=object_id(reward_id), active=True)
        # Keys are scoped to the member, so one member's key can never return another member's coupon.
        coupon = loyalty_services.reward_redeem(member=self.member, reward=reward,
                                                cause_key=f"member:{self.member.pk}:{key}")
        return Response(CouponSerializer(coupon).data, status=status.HTTP_201_CREATED)


class CouponDetailApi(MemberApiView):
    @extend_schema(parameters=[OpenApiParameter("coupon_id", int, OpenApiParameter.PATH)],
                   responses={200: CouponSerializer, **errors(401, 404)}, tags=["members: coupons"])
    def get(self, request, coupon_id):
        coupon = get_object_or_404(loyalty_selectors.member_coupons(member=self.member), pk=object_id(coupon_id))
        return Response(CouponSerializer(coupon).data)
