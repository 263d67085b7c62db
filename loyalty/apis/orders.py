"""Orders from the POS and the web shop: create or update by external id, and returns."""
from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from core.idempotency import idempotent
from core.reused_serializers import ReusedSerializer
from core.serializers import RecentDateTimeField, StrictSerializer
from loyalty.models import MemberAccount, Order, OrderLine, OrderStatus, SalesChannel
from loyalty.services import order_return, order_upsert
from loyalty.services.orders import order_points_earned

from .base import IDEMPOTENCY_KEY, WRITE_ERRORS, MemberExternalIdField, PosApi, error
from .redemptions import BalanceOutput

MONEY = {"max_digits": 12, "decimal_places": 2}
QUANTITY = {"max_digits": 10, "decimal_places": 3}
# Up to 7 whole digits and 3 decimals, above zero: what QuantityField accepts, for the schema.
POSITIVE_QUANTITY = r"^(?:[1-9]\d{0,6}(?:\.\d{1,3})?|0*\.(?:[1-9]\d{0,2}|0[1-9]\d?|00[1-9]))$"
LINES_WITH_PRODUCTS = Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))


@extend_schema_field({"type": "string", "format": "decimal", "pattern": POSITIVE_QUANTITY})
class QuantityField(serializers.DecimalField):
    """A line's quantity: above zero (min_value alone lets zero through)."""

    def __init__(self, **kwargs):
        super().__init__(**QUANTITY, min_value=0, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value <= 0:
            raise serializers.ValidationError("Must be greater than zero.")
        return value


class OrderLineInput(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255, required=False, help_text="Creates the product if the sku is new.")
    quantity = QuantityField(default=1)
    unit_price = serializers.DecimalField(**MONEY, min_value=0)


class LinesLimited:
    """At most API_MAX_ORDER_LINES lines, refused before any line is read (read per request: a setting)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.per_request()

    def per_request(self):
        self.fields["lines"].max_length = settings.API_MAX_ORDER_LINES


class OrderInput(LinesLimited, StrictSerializer):
    external_id = serializers.CharField(max_length=64, help_text="The shop's order id; sending it again updates.")
    source = serializers.CharField(max_length=32, default="shop", help_text="Which system the id belongs to.")
    member = MemberExternalIdField(help_text="The member's external id (an id merged away finds the survivor).")
    created_at = RecentDateTimeField(help_text="From 2000-01-01 to a day after the server's clock.")
    status = serializers.ChoiceField(choices=OrderStatus.choices, default=OrderStatus.COMPLETED)
    total = serializers.DecimalField(**MONEY, min_value=0)
    currency = serializers.RegexField(r"^[A-Z]{3}$", default=settings.SHOP_CURRENCY)
    channel = serializers.ChoiceField(choices=SalesChannel.choices, default=SalesChannel.STORE)
    store = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    lines = OrderLineInput(many=True, allow_empty=True, default=list)
    anonymous_id = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        help_text="The web shop's id for the visitor before they were known (what its events sent as `anonymous_id` "
                  "to POST /api/v1/events): those events become the member's.")


class OrderLineOutput(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    quantity = serializers.DecimalField(**QUANTITY)
    unit_price = serializers.DecimalField(**MONEY)
    returned_quantity = serializers.DecimalField(**QUANTITY)


class OrderOutput(serializers.Serializer):
    # A plain Serializer: a ModelSerializer rebuilds its fields from the model on every response.
    external_id = serializers.CharField()
    source = serializers.CharField()
    member = serializers.CharField(source="member.external_id")
    created_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    total = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    channel = serializers.ChoiceField(choices=SalesChannel.choices)
    store = serializers.CharField()
    lines = OrderLineOutput(many=True)
    points_earned = serializers.SerializerMethodField(help_text="Net points the order earned (pending at first).")

    def get_points_earned(self, order) -> int:
        # order_upsert sets it on an order it just created (it wrote those entries); else sum them.
        earned = getattr(order, "points_earned", None)
        return earned if earned is not None else order_points_earned(order=order)


@extend_schema(
    tags=["orders"],
    summary="Create or update an order by its external id",
    description="A completed order earns points once, however often it is sent (even when it earned none: a "
                "later rate or tier change does not re-price it). Sending `returned` or `cancelled` for a "
                "completed order reverses what it earned, less what expired unused. Status changes: pending → "
                "completed or cancelled; completed → returned or cancelled; returned and cancelled are final.",
    parameters=[IDEMPOTENCY_KEY],
    request=OrderInput,
    responses={
        201: OrderOutput, 200: OrderOutput, **WRITE_ERRORS,
        409: error("`order_member_mismatch`: the external id belongs to another member's order; "
                   "`invalid_status_change`: the order cannot move from its status to this one (e.g. "
                   "completed → pending); or `idempotency_request_in_progress`."),
    },
)
class OrderUpsertApi(PosApi):
    # Built once per process, not per request (core.reused_serializers): the same validation and JSON.
    order_input, order_output = ReusedSerializer(OrderInput), ReusedSerializer(OrderOutput)

    @idempotent
    def post(self, request):
        validated = dict(self.order_input.validated(request.data))
        lines = [dict(line) for line in validated.pop("lines")]
        # The idempotent view's transaction rolls back whole on any error: no savepoint of the service's own.
        order, created = order_upsert(**validated, lines=lines, savepoint=False)
        prefetch_related_objects([order], LINES_WITH_PRODUCTS)
        return Response(self.order_output.data(order),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReturnLineInput(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    quantity = QuantityField()


class ReturnInput(LinesLimited, StrictSerializer):
    return_id = serializers.CharField(max_length=64, help_text="The till's id for this return; never applied twice.")
    source = serializers.CharField(max_length=32, default="shop")
    lines = ReturnLineInput(many=True, required=False, allow_null=True, default=None, allow_empty=False,
                            help_text="Omit for a full return; lines of one SKU add up.")

    def validate_lines(self, value):
        if value is not None and not value:
            raise serializers.ValidationError("Omit lines for a full return, or give at least one.")
        return value


class LedgerEntryOutput(serializers.Serializer):
    kind = serializers.CharField()
    bucket = serializers.CharField(help_text="pending, available, or debt (points already spent).")
    points = serializers.IntegerField()


class ReturnOutput(serializers.Serializer):
    order = OrderOutput()
    return_id = serializers.CharField()
    entries = LedgerEntryOutput(many=True, help_text="The reversal entries this return wrote.")
    balance = BalanceOutput()


@extend_schema(
    tags=["orders"],
    summary="Return an order in full or by lines",
    description="Reverses what the returned part earned, less what of the order's points expired unused; "
                "points already spent become a debt that later earning pays off first, so the balance never "
                "goes negative.",
    parameters=[IDEMPOTENCY_KEY],
    request=ReturnInput,
    responses={
        201: ReturnOutput, **WRITE_ERRORS,
        404: error("`not_found`: no order with this external id."),
        409: error("`order_not_completed`: only a completed order can be returned; "
                   "or `idempotency_request_in_progress`."),
    },
)
class OrderReturnApi(PosApi):
    @idempotent
    def post(self, request, external_id):
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = get_object_or_404(Order, source=data.validated_data["source"], external_id=external_id)
        lines = data.validated_data["lines"]
        entries = order_return(
            order=order,
            lines=None if lines is None else [dict(line) for line in lines],
            cause_key=f"order:{order.pk}:return:{data.validated_data['return_id']}",
        )
        order = Order.objects.select_related("member").prefetch_related(LINES_WITH_PRODUCTS).get(pk=order.pk)
        result = {"order": order, "return_id": data.validated_data["return_id"], "entries": entries,
                  "balance": MemberAccount.objects.get(member_id=order.member_id)}
        return Response(ReturnOutput(result).data, status=status.HTTP_201_CREATED)
