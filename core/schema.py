"""How the OpenAPI schema describes our authentication, our error body and our input limits.

The extensions are imported by CoreConfig.ready; `ApiAutoSchema` is REST_FRAMEWORK's schema class.
"""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import generics, serializers

from .serializers import StrictSerializer


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "core.api_keys.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <prefix>.<secret>`, created by staff in the admin."}


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `insufficient_points`.")
    message = serializers.CharField()
    fields = serializers.DictField(
        help_text="Per-field messages: a list of strings per field, or an object of them for nested input."
    )
    request_id = serializers.CharField(
        required=False, help_text="On a 500: the response's X-Request-ID, to quote when reporting the error."
    )


class ErrorOutput(serializers.Serializer):
    """The one error body of every API (see core.exceptions)."""

    error = ErrorDetail()


def error_response(description: str = "") -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=description)


# Answers any API operation can give, whatever its own responses say (core.api_input, the throttles).
_ANY_OPERATION = {
    "400": "`invalid`: malformed input, including control characters or bad UTF-8 in the path or query string.",
    "413": "`request_too_large`: the body is larger than API_MAX_BODY_BYTES.",
    "414": "`uri_too_long`: the URL is longer than API_MAX_URL_BYTES.",
    "429": "`throttled`: too many requests; see `Retry-After`.",
    "500": "`server_error`: an unexpected error; the body names the request id.",
}
_AUTHENTICATED = {
    "401": "`not_authenticated` or `authentication_failed`: missing or invalid credentials.",
    "403": "`permission_denied`: the credentials may not do this.",
}


class ApiAutoSchema(AutoSchema):
    """The schema says what the API enforces, so that fuzzers and generated clients can rely on it.

    - Request bodies of `StrictSerializer`s refuse unknown keys: `additionalProperties: false`.
    - Every operation documents the answers of the shared input checks (400, 413, 414, 429, 500), the
      credential failures when it needs credentials (401, 403), a 404 where a path id or page can miss,
      and a 415 where it takes a body (JSON only).
    """

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/"):
            return responses
        extra = dict(_ANY_OPERATION)
        if self.view.permission_classes:
            extra.update(_AUTHENTICATED)
        if "{" in self.path or isinstance(self.view, generics.ListAPIView):
            extra["404"] = "`not_found`: no such object, or no such page."
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            extra["415"] = "`unsupported_media_type`: the body must be `application/json`."
        for code, description in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(description), code, direction=direction)
        return responses
