import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import MemberOffer, Review
from campaigns.services.reviews import review_request_create
from loyalty.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_request(member):
    line = OrderLineFactory(order=OrderFactory(member=member))
    request = review_request_create(member=member)
    request.product = line.product
    return request


def test_offers_need_a_token(anon):
    assert anon.get("/api/v1/me/offers").status_code == 401
    assert anon.post("/api/v1/me/reviews", {}, format="json").status_code == 401


def test_offers_are_the_members_own_and_still_valid(api, other_api, member, other_member):
    now = timezone.now()
    live = MemberOffer.objects.create(member=member, title="−20% on coffee", valid_until=now + dt.timedelta(days=3))
    MemberOffer.objects.create(member=member, title="Old", valid_until=now - dt.timedelta(days=1))
    MemberOffer.objects.create(member=other_member, title="Theirs", valid_until=now + dt.timedelta(days=3))
    assert [o["id"] for o in api.get("/api/v1/me/offers").json()["results"]] == [live.pk]
    assert [o["title"] for o in other_api.get("/api/v1/me/offers").json()["results"]] == ["Theirs"]


def test_answering_a_review_request_stores_ratings_once(api, member, review_request):
    payload = {"token": review_request.token, "items": [
        {"product_id": review_request.product.pk, "rating": 5, "text": "Great"}, {"rating": 4}]}
    first = api.post("/api/v1/me/reviews", payload, format="json")
    again = api.post("/api/v1/me/reviews", payload, format="json")
    assert first.status_code == 201, first.json()
    assert again.status_code == 409
    assert sorted(Review.objects.filter(member=member).values_list("rating", flat=True)) == [4, 5]


def test_another_members_review_link_is_404_and_stores_nothing(other_api, review_request):
    response = other_api.post("/api/v1/me/reviews", {"token": review_request.token, "items": [{"rating": 5}]},
                              format="json")
    assert response.status_code == 404
    assert not Review.objects.exists()


@pytest.mark.parametrize("items,field", [([], "items"), ([{"rating": 6}], "items"), ([{"rating": "five"}], "items"),
                                         ([{"rating": 5, "stars": 5}], "items")])
def test_bad_reviews_get_field_messages(api, review_request, items, field):
    response = api.post("/api/v1/me/reviews", {"token": review_request.token, "items": items}, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Review.objects.exists()


def test_a_forged_token_is_404(api):
    response = api.post("/api/v1/me/reviews", {"token": "forged:abc", "items": [{"rating": 5}]}, format="json")
    assert response.status_code == 404


def test_the_review_form_from_an_email_link_works_without_sign_in(review_request):
    client = Client()
    url = f"/reviews/{review_request.token}/"
    page = client.get(url)
    assert page.status_code == 200 and review_request.product.name in page.content.decode()
    empty = client.post(url, {})
    assert empty.status_code == 200 and empty.context["form"].non_field_errors()
    done = client.post(url, {f"rating_{review_request.product.pk}": "5", f"text_{review_request.product.pk}": "Tasty"})
    assert done.status_code == 302
    assert Review.objects.get().text == "Tasty"
    assert client.get(url).status_code == 404
