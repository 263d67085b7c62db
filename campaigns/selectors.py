"""Reads: review invitations and personal offers (other apps use these), and campaign results."""
from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from core.exceptions import DomainError

from .models import MemberOffer, ReviewRequest
from .services.reviews import REVIEW_SALT


def review_request_from_token(*, token: str) -> ReviewRequest:
    """The unused review request a link names; raises DomainError `invalid_token` (forged, unknown or used)."""
    try:
        signing.Signer(salt=REVIEW_SALT).unsign(token)
        request = ReviewRequest.objects.select_related("order", "member").get(token=token)
    except (signing.BadSignature, ReviewRequest.DoesNotExist):
        raise DomainError("This review link is not valid.", code="invalid_token", http_status=404) from None
    if request.used_at:
        raise DomainError("This review was already submitted.", code="invalid_token", http_status=409)
    return request


def member_offers(*, member) -> QuerySet[MemberOffer]:
    """The member's offers still valid now, soonest ending first."""
    return MemberOffer.objects.filter(member=member, valid_until__gt=timezone.now()).select_related("coupon")


def campaign_results(*, campaign):
    from .results import campaign_results as results

    return results(campaign=campaign)
