"""GET /api/v1/members/lookup: phone, email or card, normalised; auth and bad input."""
import pytest

from core.tests.factories import ApiKeyFactory, auth_header
from customers.selectors import phone_normalise
from customers.tests.factories import MemberFactory
from loyalty.services import points_award_bonus

pytestmark = pytest.mark.django_db
URL = "/api/v1/members/lookup"


@pytest.fixture
def till():
    return ApiKeyFactory(scopes=["pos"])


@pytest.mark.parametrize("written, stored", [
    ("8 (999) 000-11-22", "+79990001122"), ("+7 999 000 11 22", "+79990001122"), ("9990001122", "+79990001122"),
    ("+44 20 7946 0018", "+442079460018"),
])
def test_phones_are_normalised_to_e164(written, stored):
    assert phone_normalise(written) == stored


@pytest.mark.parametrize("params", [
    {"phone": "8 (999) 000-11-22"}, {"email": " Anna@Example.com "}, {"card": "2000 0000-0042"},
])
def test_lookup_finds_the_member_by_each_identifier_as_a_cashier_types_it(client, till, params):
    # given a member with points
    member = MemberFactory(phone="+79990001122", email="anna@example.com", card_number="200000000042")
    MemberFactory(phone="+79990001123", email="other@example.com", card_number="200000000043")
    points_award_bonus(member=member, points=150, reason="Welcome", cause_key="welcome-1")
    # when the till looks them up
    response = client.get(URL, params, **auth_header(till))
    # then it gets that member with the spendable balance
    assert response.status_code == 200
    body = response.json()
    assert body["external_id"] == member.external_id and body["points_available"] == 150


def test_no_match_is_404_and_a_shared_phone_is_409(client, till):
    MemberFactory(phone="+79990001122")
    MemberFactory(phone="+79990001122")
    response = client.get(URL, {"phone": "+79990001122"}, **auth_header(till))
    assert response.status_code == 409 and response.json()["error"]["code"] == "member_ambiguous"
    response = client.get(URL, {"email": "nobody@example.com"}, **auth_header(till))
    assert response.status_code == 404 and response.json()["error"]["code"] == "member_not_found"


@pytest.mark.parametrize("params", [{}, {"phone": "123", "email": "a@b.c"}, {"phone": "12"}])
def test_exactly_one_valid_identifier_is_required(client, till, params):
    response = client.get(URL, params, **auth_header(till))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_without_a_key_401_with_a_staff_key_403_with_a_revoked_key_401(client):
    from core.api_keys import api_key_revoke

    assert client.get(URL, {"phone": "+79990001122"}).status_code == 401
    staff = ApiKeyFactory(scopes=["staff"])
    response = client.get(URL, {"phone": "+79990001122"}, **auth_header(staff))
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    revoked = ApiKeyFactory()
    api_key_revoke(api_key=revoked)
    assert client.get(URL, {"phone": "+79990001122"}, **auth_header(revoked)).status_code == 401


def test_a_browser_asking_for_html_gets_the_json_answer(client, till):
    # given a browser's Accept header (HTML first) on an answered lookup and on an unknown API path
    MemberFactory(external_id="M-1", email="anna@example.com")
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    found = client.get(URL, {"email": "anna@example.com"}, HTTP_ACCEPT=accept, **auth_header(till))
    unknown = client.get("/api/v1/no-such-thing", HTTP_ACCEPT=accept)
    # then both answer JSON as the schema says, never DRF's browsable HTML page
    assert found.status_code == 200 and found["Content-Type"].startswith("application/json")
    assert found.json()["external_id"] == "M-1"
    assert unknown["Content-Type"].startswith("application/json") and "error" in unknown.json()
