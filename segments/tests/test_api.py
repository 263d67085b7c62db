import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.api_keys import api_key_create, api_key_revoke
from core.models import ApiKey
from customers.tests.factories import MemberFactory
from segments.models import Segment
from segments.services import segment_refresh, segment_save_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def women():
    segment = segment_save_rules(segment=Segment.objects.create(slug="women", name="Women"),
                                 rules={"type": "member_field", "field": "gender", "op": "eq", "value": "f"})
    MemberFactory.create_batch(3, gender="f")
    MemberFactory(gender="m")
    segment_refresh(segment=segment)
    return segment


def client_with(scopes):
    key, raw = api_key_create(name="tool", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client, key


def test_staff_key_lists_segments_and_pages_through_members(women):
    client, _ = client_with(["staff"])
    listing = client.get("/api/v1/segments/")
    assert listing.status_code == 200
    assert [(s["slug"], s["member_count"]) for s in listing.json()["results"]] == [("women", 3)]
    page = client.get("/api/v1/segments/women/members", {"page": 1})
    assert page.status_code == 200 and page.json()["count"] == 3
    assert set(page.json()["results"][0]) == {"external_id", "email", "phone", "first_name", "last_name", "rfm_code",
                                              "rfm_segment"}


def test_unknown_segment_is_a_json_404(women):
    client, _ = client_with(["staff"])
    response = client.get("/api/v1/segments/nope/members")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_no_key_wrong_scope_and_revoked_key_are_refused(women):
    assert APIClient().get("/api/v1/segments/").status_code == 401
    pos_client, _ = client_with(["pos"])
    assert pos_client.get("/api/v1/segments/").status_code == 403
    staff_client, key = client_with(["staff"])
    api_key_revoke(api_key=key)
    assert staff_client.get("/api/v1/segments/").status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.prefix}.not-the-secret")
    assert forged.get("/api/v1/segments/").status_code == 401


def test_the_raw_key_is_not_stored():
    key, raw = api_key_create(name="tool", scopes=["staff"])
    assert raw.split(".", 1)[1] not in key.key_hash and len(key.key_hash) == 64


def test_the_staff_api_is_limited_per_key_like_the_pos_api(women):
    # given a staff key allowed one request per second, and another staff key
    cache.clear()
    client, key = client_with(["staff"])
    ApiKey.objects.filter(pk=key.pk).update(rate_limit=1)
    other, _ = client_with(["staff"])
    # when it sends three requests at once
    answers = [client.get("/api/v1/segments/") for _ in range(3)]
    # then only the first passes; the others get the JSON 429 with Retry-After
    assert [a.status_code for a in answers] == [200, 429, 429]
    assert answers[1].json()["error"]["code"] == "throttled" and answers[1].headers["Retry-After"] == "1"
    # and the other key is counted on its own
    assert other.get("/api/v1/segments/").status_code == 200


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=-1", "page=1.5"])
def test_a_page_that_is_not_a_positive_whole_number_is_400(women, query):
    # DRF answered these with a 404 "Invalid page"; the schema promises an integer of at least 1
    client, _ = client_with(["staff"])
    response = client.get(f"/api/v1/segments/women/members?{query}")
    assert response.status_code == 400 and "page" in response.json()["error"]["fields"]


def test_a_page_past_the_end_is_still_404(women):
    client, _ = client_with(["staff"])
    assert client.get("/api/v1/segments/women/members?page=9").status_code == 404


def test_an_unknown_query_parameter_is_refused_not_ignored(client):
    # given a staff key
    from core.tests.factories import ApiKeyFactory

    staff = ApiKeyFactory(scopes=["staff"], rate_limit=1000)

    # when a client sends a filter the API does not have
    response = client.get("/api/v1/segments/?kind=static", HTTP_AUTHORIZATION=f"Api-Key {staff.raw}")

    # then it is told so instead of getting every segment
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"kind": ["Unknown query parameter."]}
