"""Coupons at the till: check a code against a basket, then redeem it."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.idempotency import idempotent
from core.serializers import StrictSerializer
from loyalty.services import coupon_redeem, coupon_validate

from .base import COMMON_ERRORS, IDEMPOTENCY_KEY, WRITE_ERRORS, MemberExternalIdField, PosApi, error

MONEY = {"max_digits": 12, "decimal_places": 2}


class CouponInput(StrictSerializer):
    code = serializers.CharField(max_length=32)
    member = MemberExternalIdField(
        required=False, allow_null=True, help_text="The member at the till, by external id; personal coupons need it.",
    )


class CouponValidateInput(CouponInput):
    order_total = serializers.DecimalField(**MONEY, min_value=0, required=False, allow_null=True)


class CouponRedeemInput(CouponInput):
    order_total = serializers.DecimalField(**MONEY, min_value=0)
    order_external_id = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        help_text="The order the coupon is used on; a coupon is redeemed once per order.",
    )


class CouponOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="template.name")
    discount_kind = serializers.CharField(source="template.discount_kind")
    discount_value = serializers.DecimalField(source="template.discount_value", **MONEY)
    min_order_total = serializers.DecimalField(source="template.min_order_total", **MONEY)
    discount = serializers.SerializerMethodField(help_text="The discount on `order_total`, if one was given.")
    expires_at = serializers.DateTimeField()
    uses_left = serializers.SerializerMethodField()
    member = serializers.CharField(source="member.external_id", default=None, allow_null=True)

    def get_discount(self, coupon) -> str | None:
        total = self.context.get("order_total")
        return None if total is None else str(coupon.template.discount_for(total))

    def get_uses_left(self, coupon) -> int:
        return coupon.max_uses - coupon.uses


class CouponRedemptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(source="coupon.code")
    member = serializers.CharField(source="member.external_id", default=None, allow_null=True)
    order_external_id = serializers.CharField()
    order_total = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(**MONEY)
    redeemed_at = serializers.DateTimeField()


COUPON_NOT_FOUND = error("`coupon_not_found`: no coupon has this code.")
COUPON_FOREIGN = error("`coupon_foreign`: the coupon belongs to another member; or the key lacks the `pos` scope.")
COUPON_USED = error("`coupon_used`: the coupon has no uses left.")
COUPON_BAD = error("`coupon_expired`, `coupon_min_order` (the order total is below the minimum), or `invalid`.")


@extend_schema(
    tags=["coupons"], summary="Check a coupon code (writes nothing)", request=CouponValidateInput,
    responses={200: CouponOutput, **COMMON_ERRORS, 400: COUPON_BAD, 403: COUPON_FOREIGN, 404: COUPON_NOT_FOUND,
               409: COUPON_USED},
)
class CouponValidateApi(PosApi):
    def post(self, request):
        data = CouponValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        coupon = coupon_validate(**data.validated_data)
        return Response(CouponOutput(coupon, context={"order_total": data.validated_data.get("order_total")}).data)


@extend_schema(
    tags=["coupons"], summary="Redeem a coupon on an order", request=CouponRedeemInput,
    parameters=[IDEMPOTENCY_KEY],
    responses={201: CouponRedemptionOutput, **WRITE_ERRORS, 400: COUPON_BAD, 403: COUPON_FOREIGN,
               404: COUPON_NOT_FOUND, 409: error("`coupon_used`, or `idempotency_request_in_progress`.")},
)
class CouponRedeemApi(PosApi):
    @idempotent
    def post(self, request):
        data = CouponRedeemInput(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = coupon_redeem(**data.validated_data)
        return Response(CouponRedemptionOutput(redemption).data, status=status.HTTP_201_CREATED)
