"""How the OpenAPI schema describes our authentication, our error body and our input limits.

The extensions are imported by CoreConfig.ready; `ApiAutoSchema` is REST_FRAMEWORK's schema class.
"""
from drf_spectacular.drainage import has_override
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


# What core.parsers and core.api_input refuse, as schema patterns (\\u escapes read alike by ECMA and Python):
# any control character in paths and query strings, all but tab, newline and carriage return in bodies.
_ANY_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_CONTROL_BUT_SPACING = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"


def text_pattern(*, blank: bool, in_body: bool = True) -> str:
    """A pattern for text without refused control characters; not `blank`: at least one non-space."""
    refused = _CONTROL_BUT_SPACING if in_body else _ANY_CONTROL
    if blank:
        return f"^[^{refused}]*$"
    return f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"


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
    - Request strings and string parameters carry a pattern that rules out the control characters the
      parser and the middleware refuse; decimals need a digit; lists say their bounds.
    - Every operation documents the answers of the shared input checks (400, 413, 414, 429, 500), the
      credential failures when it needs credentials (401, 403), a 404 where a path id or page can miss,
      and a 415 where it takes a body (JSON only).
    """

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        if "__doc__" not in vars(type(serializer)):
            schema.pop("description", None)  # a base class's docstring says nothing about this body
        return schema

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] in ("path", "query") and _is_plain_string(schema):
                schema["pattern"] = text_pattern(blank=True, in_body=False)  # refused by the middleware
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or has_override(field, "field"):
            return schema
        if isinstance(field, serializers.CharField) and _is_plain_string(schema):
            # DRF trims, so a blank-refusing field needs a non-space character too.
            schema["pattern"] = text_pattern(blank=field.allow_blank or not field.trim_whitespace)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema:
            # DRF needs at least one digit; a minimum of 0 or more rules out the sign.
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            schema["pattern"] = fr"^{sign}\d{{1,{field.max_whole_digits}}}(?:\.\d{{1,{field.decimal_places}}})?$"
        if isinstance(field, serializers.ListSerializer):
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
            least = field.min_length or (0 if field.allow_empty else 1)
            if least:
                schema["minItems"] = least
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


def _is_plain_string(schema) -> bool:
    return schema.get("type") == "string" and not {"pattern", "format", "enum", "$ref"} & set(schema)
