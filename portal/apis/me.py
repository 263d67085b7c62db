"""The member's own profile, consents, survey answers, devices, referral and orders."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.client_ip import client_ip
from core.translated_content import translated
from customers.models import Channel, ConsentPurpose, Gender
from customers.personal_data import member_data_export
from loyalty.models import MemberAccount
from messaging.models import Device

from .. import selectors, services
from .common import MemberApiView, MemberListApiView, StrictSerializer, errors

MAX_KEYS = 50


class ConsentRecordSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    granted = serializers.BooleanField()
    occurred_at = serializers.DateTimeField()
    method = serializers.CharField()
    source = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    """What GET /me returns; balance, tier, referral code and consent history are read-only."""

    external_id = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    gender = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    city = serializers.CharField()
    timezone = serializers.CharField()
    preferred_channel = serializers.CharField()
    referral_code = serializers.CharField()
    registered_at = serializers.DateTimeField()
    attributes = serializers.DictField()
    consents = serializers.SerializerMethodField()
    consent_history = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()
    tier = serializers.SerializerMethodField()

    def get_consents(self, member) -> dict[str, bool]:
        return {purpose: member.has_consent(purpose) for purpose in ConsentPurpose.values}

    def get_consent_history(self, member) -> ConsentRecordSerializer(many=True):
        return ConsentRecordSerializer(selectors.member_consent_history(member=member), many=True).data

    def _account(self, member):
        # Balance and tier come from one read of the account.
        if not hasattr(self, "_account_row"):
            self._account_row = MemberAccount.objects.filter(member=member).select_related("tier").first()
        return self._account_row

    def get_balance(self, member) -> int:
        account = self._account(member)
        return account.available_points if account else 0

    def get_tier(self, member) -> str | None:
        account = self._account(member)
        return translated(account.tier, "name") if account and account.tier else None


class ConsentsInput(StrictSerializer):
    personal_data = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)


class MeApi(MemberApiView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "MeInput"

        read_only_keys = ("external_id", "email", "referral_code", "registered_at", "consent_history",
                          "balance", "tier", "stage", "lifecycle_stage")
        first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                      help_text="Any form the shop's region dials (8 999 000-11-22); stored in E.164.")
        gender = serializers.ChoiceField(choices=Gender.values, required=False)
        birth_date = serializers.DateField(required=False, allow_null=True)
        city = serializers.CharField(max_length=100, required=False, allow_blank=True)
        timezone = serializers.CharField(max_length=64, required=False)
        preferred_channel = serializers.ChoiceField(choices=["", *Channel.values], required=False)
        attributes = serializers.DictField(required=False, allow_empty=True)
        consents = ConsentsInput(required=False)

        def validate_attributes(self, value):
            if len(value) > MAX_KEYS:
                raise serializers.ValidationError(f"At most {MAX_KEYS} attributes at once.")
            return value

    @extend_schema(responses={200: ProfileSerializer, **errors(401)}, tags=["members: profile"])
    def get(self, request):
        return Response(ProfileSerializer(self.member).data)

    @extend_schema(request=InputSerializer, responses={200: ProfileSerializer, **errors(400, 401)},
                   tags=["members: profile"])
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        attributes, consents = values.pop("attributes", None), values.pop("consents", None)
        member = services.member_profile_update(member=self.member, profile=values, attributes=attributes,
                                                consents=consents, source="app",
                                                evidence=client_ip(request))
        return Response(ProfileSerializer(member).data)


class ExportApi(MemberApiView):
    """Everything the programme holds about the signed-in member (152-FZ / GDPR access request), as JSON."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **errors(401)}, tags=["members: profile"],
                   summary="Export of the member's personal data")
    def get(self, request):
        response = Response(member_data_export(member=self.member))
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
        response["Cache-Control"] = "no-store"
        return response


class DeviceApi(MemberApiView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "DeviceInput"

        platform = serializers.ChoiceField(choices=Device.Platform.values)
        push_token = serializers.CharField(max_length=512)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DeviceOutput"

        id = serializers.IntegerField()
        platform = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **errors(400, 401)},
                   tags=["members: profile"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.device_register(member=self.member, **data.validated_data)
        return Response(self.OutputSerializer(device).data, status=status.HTTP_201_CREATED)


class SurveyApi(MemberApiView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "SurveyInput"

        answers = serializers.DictField(allow_empty=False)

        def validate_answers(self, value):
            if len(value) > MAX_KEYS:
                raise serializers.ValidationError(f"At most {MAX_KEYS} answers at once.")
            return value

    @extend_schema(request=InputSerializer, responses={200: ProfileSerializer, **errors(400, 401)},
                   tags=["members: profile"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.survey_submit(member=self.member, answers=data.validated_data["answers"], source="app")
        return Response(ProfileSerializer(member).data)


class ReferralApi(MemberApiView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReferralOutput"

        code = serializers.CharField()
        link = serializers.CharField()
        invited = serializers.IntegerField()
        purchased = serializers.IntegerField()
        earned_points = serializers.IntegerField()

    @extend_schema(responses={200: OutputSerializer, **errors(401)}, tags=["members: profile"])
    def get(self, request):
        summary = selectors.member_referral_summary(member=self.member)
        return Response(self.OutputSerializer(summary).data)


class OrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    channel = serializers.CharField()
    store = serializers.CharField()
    lines = OrderLineSerializer(many=True)


@extend_schema(responses={200: OrderSerializer(many=True), **errors(401, 404)}, tags=["members: orders"])
class OrdersApi(MemberListApiView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return selectors.member_orders(member=self.member)
