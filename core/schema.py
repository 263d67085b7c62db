"""How the OpenAPI schema describes our authentication and our error body (imported by CoreConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


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


class ErrorOutput(serializers.Serializer):
    """The one error body of every API (see core.exceptions)."""

    error = ErrorDetail()


def error_response(description: str = "") -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=description)
