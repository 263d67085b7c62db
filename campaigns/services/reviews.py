import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from loyalty.models import OrderStatus

from ..models import Review, ReviewRequest

REVIEW_SALT = "campaigns.review"


def review_request_create(*, member, planned_action=None, order_external_id: str | None = None) -> ReviewRequest | None:
    """Invite the member to review their last completed order, or the completed order with this external id (an
    order-delivered event names it); None without one (a named order returned or cancelled is not asked about).
    One request per order."""
    orders = member.orders.filter(status=OrderStatus.COMPLETED)
    if order_external_id is not None:
        orders = orders.filter(external_id=order_external_id)
    order = orders.order_by("-created_at", "-id").first()
    if order is None:
        return None
    token = signing.Signer(salt=REVIEW_SALT).sign(secrets.token_urlsafe(18))
    request, _ = ReviewRequest.objects.get_or_create(
        member=member, order=order, defaults={"token": token, "planned_action": planned_action}
    )
    return request


@transaction.atomic
def review_submit(*, review_request: ReviewRequest, member, items: list[dict]) -> list[Review]:
    """Store the member's ratings for the order's products (or the order when product_id is None). Works once.

    Locks the request, so two parallel submits store one set. Raises DomainError `invalid_token`
    (another member's or a used request) or `invalid` with field messages.
    """
    request = ReviewRequest.objects.select_for_update().get(pk=review_request.pk)
    if request.member_id != member.pk:
        raise DomainError("This review link belongs to someone else.", code="invalid_token", http_status=404)
    if request.used_at:
        raise DomainError("This review was already submitted.", code="invalid_token", http_status=409)
    if not items:
        raise DomainError("Rate at least one item.", fields={"items": ["This list may not be empty."]})
    order_products = set(request.order.lines.values_list("product_id", flat=True))
    errors, reviews = {}, []
    for index, item in enumerate(items):
        product_id, rating = item.get("product_id"), item.get("rating")
        if product_id is not None and product_id not in order_products:
            errors[f"items[{index}].product_id"] = ["This product is not in the order."]
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            errors[f"items[{index}].rating"] = ["A whole number from 1 to 5."]
        reviews.append(Review(member=member, order=request.order, product_id=product_id, request=request,
                              rating=rating, text=str(item.get("text") or "")[:5000]))
    if len({r.product_id for r in reviews}) != len(reviews):
        errors["items"] = ["Each product once."]
    if errors:
        raise DomainError("Invalid review.", fields=errors)
    Review.objects.bulk_create(reviews)
    request.used_at = timezone.now()
    request.save(update_fields=["used_at"])
    return reviews
