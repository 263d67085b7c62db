"""Sign-up, sign-in (password or one-time code), sign-out and password reset for the app."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from core.client_ip import client_ip
from core.throttling import ClientScopedRateThrottle

from .. import services
from .common import MemberApiView, PublicApiView, StrictSerializer, errors

TokenOut = inline_serializer(name="MemberTokenOut", fields={
    "token": serializers.CharField(), "expires_at": serializers.DateTimeField(),
})
Accepted = inline_serializer(name="Accepted", fields={"detail": serializers.CharField()})


def _anonymous_id_field():
    return serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        help_text="The app's id for this visitor before sign-in (what its events sent as `anonymous_id`): their "
                  "events become the member's.")


def _token_response(member, request, anonymous_id="", http_status=status.HTTP_200_OK):
    token, raw = services.member_token_create(member=member, client=request.headers.get("User-Agent", "")[:100],
                                              anonymous_id=anonymous_id)
    return Response({"token": raw, "expires_at": token.expires_at}, status=http_status)


class SignUpApi(PublicApiView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "member_sign_in"

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "SignUpInput"

        login = serializers.CharField(max_length=254, help_text="Email or phone.")
        password = serializers.CharField(max_length=128)
        first_name = serializers.CharField(max_length=100, required=False, default="")
        personal_data_consent = serializers.BooleanField()
        email_consent = serializers.BooleanField(required=False, default=False)
        sms_consent = serializers.BooleanField(required=False, default=False)
        referral_code = serializers.CharField(max_length=16, required=False, default="", allow_blank=True)
        anonymous_id = _anonymous_id_field()

    @extend_schema(request=InputSerializer, responses={201: TokenOut, **errors(400, 409, 429)}, tags=["members: auth"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        anonymous_id = fields.pop("anonymous_id")
        member = services.member_sign_up(**fields, source="app", evidence=client_ip(request))
        return _token_response(member, request, anonymous_id, status.HTTP_201_CREATED)


class SignInApi(PublicApiView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "member_sign_in"

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "SignInInput"

        login = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128)
        anonymous_id = _anonymous_id_field()

    @extend_schema(request=InputSerializer, responses={200: TokenOut, **errors(400, 429)}, tags=["members: auth"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        anonymous_id = fields.pop("anonymous_id")
        return _token_response(services.member_sign_in_password(**fields), request, anonymous_id)


class CodeRequestApi(PublicApiView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "member_code"

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "CodeRequestInput"

        login = serializers.CharField(max_length=254)

    @extend_schema(request=InputSerializer, responses={202: Accepted, **errors(400, 429)}, tags=["members: auth"],
                   description="Sends a one-time code to the email or phone; answers the same for unknown logins.")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sign_in_code_request(**data.validated_data)
        return Response({"detail": "If the login is registered, a code has been sent."}, status=status.HTTP_202_ACCEPTED)


class CodeVerifyApi(PublicApiView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "member_sign_in"

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "CodeVerifyInput"

        login = serializers.CharField(max_length=254)
        code = serializers.RegexField(r"^\d{6}$", max_length=6)
        anonymous_id = _anonymous_id_field()

    @extend_schema(request=InputSerializer, responses={200: TokenOut, **errors(400, 429)}, tags=["members: auth"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        anonymous_id = fields.pop("anonymous_id")
        return _token_response(services.sign_in_code_verify(**fields), request, anonymous_id)


class SignOutApi(MemberApiView):
    @extend_schema(request=None, responses={204: None, **errors(401)}, tags=["members: auth"])
    def post(self, request):
        services.member_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(PublicApiView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "member_code"

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "PasswordResetInput"

        login = serializers.CharField(max_length=254)

    @extend_schema(request=InputSerializer, responses={202: Accepted, **errors(400, 429)}, tags=["members: auth"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(**data.validated_data)
        return Response({"detail": "If the login is registered, a reset link has been sent."},
                        status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(PublicApiView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "member_sign_in"

    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "PasswordResetConfirmInput"

        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        password = serializers.CharField(max_length=128)
        anonymous_id = _anonymous_id_field()

    @extend_schema(request=InputSerializer, responses={200: TokenOut, **errors(400, 429)}, tags=["members: auth"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        anonymous_id = fields.pop("anonymous_id")
        return _token_response(services.password_reset_confirm(**fields), request, anonymous_id)
