"""The members' API keeps to its schema: page sizes are checked, bodies are JSON of the right types."""
import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["page_size=abc", "page_size=0", "page=zero"])
def test_a_page_or_page_size_that_is_not_a_positive_whole_number_is_400(api, query):
    # DRF silently ignored a bad page_size, and answered a bad page with a 404
    response = api.get(f"/api/v1/me/coupons?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_a_profile_value_of_another_json_type_is_refused(api, member):
    response = api.generic("PATCH", "/api/v1/me", json.dumps({"city": 42}), content_type="application/json")
    assert response.status_code == 400 and "city" in response.json()["error"]["fields"]
    member.refresh_from_db()
    assert member.city == ""


def test_a_control_character_in_a_review_is_refused_but_newlines_are_kept(api):
    body = {"token": "t", "items": [{"rating": 5, "text": "Good\ntea\u0007"}]}
    response = api.post("/api/v1/me/reviews", body, format="json")
    assert response.status_code == 400 and "items[0].text" in response.json()["error"]["fields"]


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_from=0001-01-01&date_to=9999-12-31"])
def test_far_dates_in_the_ledger_filter_filter_like_the_nearest_sane_ones(api, member, query):
    # given one ledger entry today
    from loyalty.services import points_adjust

    points_adjust(member=member, points=10, reason="Welcome", staff_user=None)
    # when the filter names a year far out (it overflowed into a 500 when a day was added)
    response = api.get(f"/api/v1/me/ledger?{query}")
    # then the entry is found as with the widest sane window
    assert response.status_code == 200
    assert [entry["points"] for entry in response.json()["results"]] == [10]
