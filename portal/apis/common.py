"""What every members' endpoint shares: token auth, the member permission, a body size cap, error schemas."""
from django.conf import settings
from django.http import Http404
from rest_framework import generics
from rest_framework.views import APIView

from core.pagination import ApiPageNumberPagination
from core.parsers import ApiJSONParser
from core.schema import error_response
from core.serializers import StrictSerializer  # noqa: F401  (the members' API imports it from here)

from ..auth import IsMember, MemberTokenAuthentication


class CappedJSONParser(ApiJSONParser):
    """The APIs' JSON parser with the members' smaller body limit, PORTAL_MAX_BODY_BYTES (a 413 above it)."""

    def max_body_bytes(self) -> int:
        return min(settings.PORTAL_MAX_BODY_BYTES, super().max_body_bytes())


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


class MemberPagination(ApiPageNumberPagination):
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
