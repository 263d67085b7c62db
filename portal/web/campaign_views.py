"""Personal offers and the review form reached from a review-request email link."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campaigns import selectors as campaign_selectors
from campaigns.services.reviews import review_submit
from core.exceptions import DomainError
from loyalty.models import Product

from . import forms
from .common import form_error, member_required


@member_required
def offers(request, member):
    return render(request, "portal/offers.html", {"offers": campaign_selectors.member_offers(member=member)[:50]})


def review(request, token):
    """The signed link is the credential, so no sign-in is needed; a signed-in member must be its owner."""
    try:
        review_request = campaign_selectors.review_request_from_token(token=token)
    except DomainError:
        return render(request, "portal/review_invalid.html", status=404)
    member = request.user.member if hasattr(request.user, "member") else review_request.member
    products = Product.objects.filter(order_lines__order=review_request.order).order_by("name")
    form = forms.ReviewForm(request.POST if request.method == "POST" else None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            review_submit(review_request=review_request, member=member, items=form.items())
        except DomainError as exc:
            if exc.code == "invalid_token":
                return render(request, "portal/review_invalid.html", status=exc.http_status)
            form_error(form, exc)
        else:
            messages.success(request, _("Thank you for your review!"))
            return redirect("portal:dashboard" if hasattr(request.user, "member") else "portal:sign_in")
    return render(request, "portal/review.html", {"form": form, "order": review_request.order})
