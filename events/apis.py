"""POST /api/v1/events: a batch of custom events from the web shop, the POS (API key) or the app (member token)."""
from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import ApiKey
from core.schema import error_response as error
from core.throttling import ApiKeyRateThrottle

from .serializers import EventBatchInput, event_batch_check
from .services.ingest import events_ingest


class RejectionOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the event in `events`.")
    id = serializers.CharField(allow_null=True)
    code = serializers.ChoiceField(choices=["invalid", "unknown_type", "unknown_member", "invalid_properties",
                                            "forbidden_member", "too_old", "in_future"])
    message = serializers.CharField()


class IngestOutput(serializers.Serializer):
    accepted = serializers.ListField(child=serializers.IntegerField(), help_text="Indexes stored now.")
    duplicates = serializers.ListField(child=serializers.IntegerField(),
                                       help_text="Indexes whose id was already stored (replays): nothing stored again.")
    rejected = RejectionOutput(many=True, help_text="Indexes refused, with the reason; nothing of them stored.")
    attached = serializers.IntegerField(help_text="Earlier anonymous events now attached to a member.")


class PosKeyOrMember(permissions.BasePermission):
    """An API key with the `pos` scope, or a member's app token."""

    message = "Send a POS / web-shop API key or a member's token."

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            return "pos" in request.auth.scopes
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "member"))


def _authentication_classes():
    # The member token's class lives in `portal`, a floor above: named in settings, not imported.
    return [import_string(path) for path in settings.EVENTS_API_AUTHENTICATION]


@extend_schema(
    tags=["events"],
    summary="Send a batch of events",
    description=(
        "The body's shape is checked as this schema says (a 400 for the whole request). Then each event is checked "
        "on its own, and the answer is **200** with the indexes accepted, the replays (an id this API key — or, with "
        "a member token, this member — sent before: stored once, never again) and the rejected ones with a code and "
        "reason (an unknown or inactive type, an unknown member, properties that fail the type's JSON Schema, a time "
        "older than the events kept or over a day ahead); the good events of a batch are kept whatever the others. "
        "Anonymous events (`anonymous_id`, no member) are attached to the member when an event names both."),
    request=EventBatchInput,
    responses={
        200: IngestOutput,
        400: error("`invalid`: the body is not shaped as the schema says (or has over 1,000 events)."),
        401: error("No API key or token, or an unknown or revoked one."),
        403: error("The API key lacks the `pos` scope."),
        429: error("Rate limit of the API key exceeded; see `Retry-After`."),
    },
)
class EventsIngestApi(APIView):
    authentication_classes = _authentication_classes()
    permission_classes = [PosKeyOrMember]
    throttle_classes = [ApiKeyRateThrottle]

    def post(self, request):
        items = event_batch_check(request.data)
        if isinstance(request.auth, ApiKey):
            result = events_ingest(source=f"api:{request.auth.pk}", items=items)
        else:
            member = request.user.member
            result = events_ingest(source=f"member:{member.pk}", items=items, member=member)
        return Response(IngestOutput(result).data)
