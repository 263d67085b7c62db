"""The member's personal offers and answering a review request (campaigns' selectors and services)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from campaigns import selectors as campaign_selectors
from campaigns.services.reviews import review_submit

from .common import MemberApiView, MemberListApiView, StrictSerializer, errors


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    valid_until = serializers.DateTimeField()
    coupon_code = serializers.CharField(source="coupon.code", allow_null=True, default=None)


@extend_schema(responses={200: OfferSerializer(many=True), **errors(401, 404)}, tags=["members: offers"])
class OffersApi(MemberListApiView):
    serializer_class = OfferSerializer

    def get_queryset(self):
        return campaign_selectors.member_offers(member=self.member)


class ReviewItemSerializer(StrictSerializer):
    product_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="Empty: a review of the whole order.")
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReviewApi(MemberApiView):
    class InputSerializer(StrictSerializer):
        class Meta:
            ref_name = "ReviewInput"

        token = serializers.CharField(max_length=200, help_text="The token from the review-request link.")
        items = ReviewItemSerializer(many=True, allow_empty=False, max_length=100)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReviewOutput"

        id = serializers.IntegerField()
        product_id = serializers.IntegerField(allow_null=True)
        rating = serializers.IntegerField()
        text = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer(many=True), **errors(400, 401, 404, 409)},
                   tags=["members: offers"])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review_request = campaign_selectors.review_request_from_token(token=data.validated_data["token"])
        reviews = review_submit(review_request=review_request, member=self.member,
                                                  items=data.validated_data["items"])
        return Response(self.OutputSerializer(reviews, many=True).data, status=status.HTTP_201_CREATED)
