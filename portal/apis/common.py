"""What every members' endpoint shares: token auth, the member permission, a body size cap, error schemas."""
from django.conf import settings
from django.http import Http404
from rest_framework import exceptions, generics, parsers, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import APIView

from core.schema import error_response

from ..auth import IsMember, MemberTokenAuthentication


class CappedJSONParser(parsers.JSONParser):
    """JSON bodies larger than PORTAL_MAX_BODY_BYTES are refused before they are parsed."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, "PORTAL_MAX_BODY_BYTES", 32 * 1024)
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > limit:
            raise exceptions.ParseError(f"The request body is larger than {limit} bytes.")
        return super().parse(stream, media_type, parser_context)


def errors(*statuses):
    """OpenAPI responses for the error statuses an endpoint can answer."""
    return {status: error_response() for status in statuses}


def object_id(value) -> int:
    """A path id as an int; anything else is a 404 like an id that does not exist."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


class PublicApiView(APIView):
    """Sign-in, sign-up and reset: no credentials needed."""

    authentication_classes = []
    permission_classes = []
    parser_classes = [CappedJSONParser]


class MemberApiView(APIView):
    """Signed-in member only; every query is scoped to `request.user.member`."""

    authentication_classes = [MemberTokenAuthentication]
    permission_classes = [IsMember]
    parser_classes = [CappedJSONParser]

    @property
    def member(self):
        return self.request.user.member


class StrictSerializer(serializers.Serializer):
    """Refuses unknown keys and read-only keys instead of silently ignoring them."""

    read_only_keys: tuple = ()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            bad = {}
            for key in data:
                if key in self.read_only_keys:
                    bad[key] = ["This field is read-only."]
                elif key not in self.fields or self.fields[key].read_only:
                    bad[key] = ["Unknown field."]
            if bad:
                raise serializers.ValidationError(bad)
        return super().to_internal_value(data)


class MemberPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class MemberListApiView(generics.ListAPIView):
    """A paginated list of the signed-in member's own rows (`get_queryset` filters by member)."""

    authentication_classes = [MemberTokenAuthentication]
    permission_classes = [IsMember]
    pagination_class = MemberPagination

    @property
    def member(self):
        return self.request.user.member
