"""POST /api/v1/events: a batch of custom events from the web shop, the POS (API key) or the app (member token)."""
from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import DomainError
from core.models import ApiKey
from core.schema import error_response as error
from core.throttling import ApiKeyRateThrottle

from .services.ingest import events_ingest


class EventInput(serializers.Serializer):
    id = serializers.CharField(max_length=64, help_text="The sender's unique id of the event; a replay is ignored.")
    type = serializers.CharField(max_length=64, help_text="An active event type's key (admin → Event types).")
    time = serializers.DateTimeField(required=False, help_text="When it happened (ISO 8601); no zone: shop time. "
                                                               "Default: now. At most a day ahead.")
    member = serializers.CharField(max_length=64, required=False,
                                   help_text="The member's external id (with a member token: omit, or that member's).")
    anonymous_id = serializers.CharField(
        max_length=64, required=False,
        help_text="The visitor's id before sign-in. Sent together with `member`, it attaches every earlier event "
                  "of this anonymous id to the member.")
    properties = serializers.DictField(required=False, help_text="Checked against the type's JSON Schema.")


class EventBatchInput(serializers.Serializer):
    events = EventInput(many=True, help_text="Up to 1,000 events.")


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
        "Each event is checked on its own: the answer is **200** with the indexes accepted, the replays "
        "(an id this API key — or, with a member token, this member — sent before: stored once, never again) and "
        "the rejected ones with a code and reason; the good events of a batch are kept whatever the others. "
        "Anonymous events (`anonymous_id`, no member) are attached to the member when an event names both."),
    request=EventBatchInput,
    responses={
        200: IngestOutput,
        400: error("`invalid`: not `{\"events\": [...]}`, or more than 1,000 events."),
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
        body = request.data
        items = body.get("events") if isinstance(body, dict) else None
        if not isinstance(items, list) or set(body) - {"events"}:
            raise DomainError("Send {\"events\": [...]}.", code="invalid",
                              fields={"events": ["A list of events is required (and nothing else)."]})
        if len(items) > settings.EVENTS_MAX_BATCH:
            raise DomainError("Too many events.", code="invalid",
                              fields={"events": [f"At most {settings.EVENTS_MAX_BATCH} events per request."]})
        if isinstance(request.auth, ApiKey):
            result = events_ingest(source=f"api:{request.auth.pk}", items=items)
        else:
            member = request.user.member
            result = events_ingest(source=f"member:{member.pk}", items=items, member=member)
        return Response(IngestOutput(result).data)


