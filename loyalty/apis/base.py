"""What every POS / web-shop endpoint shares: API-key auth, the `pos` scope, the per-key rate limit,
and the OpenAPI pieces (error body, Idempotency-Key header) that let a client be generated."""
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.views import APIView

from core.api_keys import ApiKeyAuthentication, HasApiScope
from core.idempotency import HEADER, MAX_KEY_LENGTH
from core.schema import error_response as error
from core.schema import text_pattern
from core.throttling import ApiKeyRateThrottle
from loyalty.selectors import member_by_external_id


class PosApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope = "pos"


# The answers any POS endpoint can give besides its own.
COMMON_ERRORS = {
    400: error("Invalid input (`invalid`, with field messages) or a refused business rule."),
    401: error("No API key, or an unknown or revoked one."),
    403: error("The API key lacks the `pos` scope."),
    429: error("Rate limit of the API key exceeded; see `Retry-After`."),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    409: error("`idempotency_request_in_progress`: a request with this Idempotency-Key is still running."),
    422: error("`idempotency_key_reused`: the Idempotency-Key was used for a different request."),
}

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Up to {MAX_KEY_LENGTH} characters, unique per operation (a UUID). A retry with the same key and "
        "body returns the first response (with `Idempotent-Replayed: true`); kept 24 hours per API key."
    ),
)


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 64, "pattern": text_pattern(blank=False)})
class MemberExternalIdField(serializers.Field):
    """A member given by the shop's id; an id merged away by staff finds the member that absorbed it."""

    default_error_messages = {
        "invalid": "Expected the member's external id: text of 1 to 64 characters.",
        "unknown": "No member has this external id.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip() or len(data) > 64:
            self.fail("invalid")
        member = member_by_external_id(external_id=data.strip())
        if member is None:
            self.fail("unknown")
        return member

    def to_representation(self, member):
        return member.external_id
