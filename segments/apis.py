"""Staff API: list segments and page through a segment's members (API key with the `staff` scope, limited
per key like the POS API)."""
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from core.api_keys import ApiKeyAuthentication, HasApiScope
from core.throttling import ApiKeyRateThrottle
from customers.models import Member

from .models import Segment
from .selectors import segment_get, segment_members


class SegmentOutput(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["slug", "name", "kind", "description", "member_count", "refreshed_at"]


class SegmentMemberOutput(serializers.ModelSerializer):
    rfm_code = serializers.CharField(source="stats.rfm_code", default="")
    rfm_segment = serializers.CharField(source="stats.rfm_segment", default="")

    class Meta:
        model = Member
        fields = ["external_id", "email", "phone", "first_name", "last_name", "rfm_code", "rfm_segment"]


class StaffApi:
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope = "staff"
    allowed_query_params = frozenset({"page", "page_size"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and limits answer first
        # The schema declares only these; a misspelt filter must not quietly return everything.
        unknown = sorted(set(request.query_params) - self.allowed_query_params)
        if unknown:
            raise serializers.ValidationError({name: ["Unknown query parameter."] for name in unknown})


@extend_schema(tags=["segments"], summary="All active segments")
class SegmentListApi(StaffApi, generics.ListAPIView):
    serializer_class = SegmentOutput
    queryset = Segment.objects.filter(is_active=True).order_by("slug")


@extend_schema(tags=["segments"], summary="Members of a segment, as last materialised")
class SegmentMembersApi(StaffApi, generics.ListAPIView):
    serializer_class = SegmentMemberOutput

    def get_queryset(self):
        segment_get(self.kwargs["slug"])  # 404 for an unknown slug
        return segment_members(self.kwargs["slug"]).select_related("stats")
