"""Every answer on /api/ is the JSON error body, whatever failed and wherever (core.api_input, core.parsers)."""
import json

import pytest
from django.test import Client

from core.request_id import HEADER

pytestmark = [pytest.mark.urls("core.tests.api_input_urls"), pytest.mark.django_db]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def error_of(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


def test_an_unhandled_error_in_an_api_view_is_a_json_500_naming_the_request_id(client):
    # when a DRF view raises something no handler knows
    response = client.get("/api/test/crash", HTTP_X_REQUEST_ID="pos-till-7-request-1")
    # then the client gets the JSON shape and the id to quote, the same as the response header
    error = error_of(response, 500)
    assert error["code"] == "server_error" and error["fields"] == {}
    assert error["request_id"] == "pos-till-7-request-1" == response[HEADER]


def test_an_error_raised_outside_drf_is_a_json_500_too(client):
    response = client.get("/api/test/django-crash")
    error = error_of(response, 500)
    assert error["code"] == "server_error" and error["request_id"] == response[HEADER]


def test_an_unknown_api_path_is_a_json_404(client):
    error = error_of(client.get("/api/v1/no-such-thing"), 404)
    assert error["code"] == "not_found"


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_body_over_the_limit_is_413_before_the_view_reads_it(client, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = client.post("/api/test/crash", json.dumps({"x": "y" * 1000}), content_type="application/json")
    assert error_of(response, 413)["code"] == "request_too_large"


def test_a_body_just_under_the_limit_is_read(client, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = client.post("/api/test/crash", json.dumps({"x": "y" * 900}), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"received": {"x": "y" * 900}}


def test_a_url_over_the_limit_is_414(client, settings):
    settings.API_MAX_URL_BYTES = 200
    assert error_of(client.get("/api/test/crash?q=" + "a" * 200), 414)["code"] == "uri_too_long"


@pytest.mark.parametrize("query", ["q=%00", "q=a%1Bb", "q%07=1", "q=%C2%85"])
def test_control_characters_in_a_query_string_are_400(client, query):
    error = error_of(client.get(f"/api/test/crash?{query}"), 400)
    assert error["code"] == "invalid" and "query" in error["fields"]


def test_bad_utf8_in_a_query_string_is_400(client):
    error = error_of(client.get("/api/test/crash?q=%FF%FE"), 400)
    assert "query" in error["fields"]


def test_control_characters_in_a_path_are_400(client):
    error = error_of(client.get("/api/v1/me/coupons/1%00"), 400)
    assert "path" in error["fields"]


@pytest.mark.parametrize("body, field", [
    ('{"name": "a\\u0000b"}', "name"),
    ('{"items": [{"text": "ok"}, {"text": "\\u001b[2J"}]}', "items[1].text"),
    ('{"a\\u0000": 1}', "non_field_errors"),
    ('{"name": "a\\u0085b"}', "name"),
])
def test_control_characters_in_a_json_body_are_400_with_the_field(client, body, field):
    error = error_of(client.post("/api/test/crash", body, content_type="application/json"), 400)
    assert error["code"] == "invalid" and field in error["fields"]


def test_free_text_keeps_its_newlines_and_tabs(client):
    body = {"text": "Line one\n\tline two\r\n", "name": "Чай «Улун»"}
    response = client.post("/api/test/crash", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["received"] == body


@pytest.mark.parametrize("body", [b'{"name": "\xff"}', b"[" * 100_000 + b"]" * 100_000, b'{"n": NaN}', b"{"])
def test_malformed_json_is_a_json_400(client, body):
    assert error_of(client.post("/api/test/crash", body, content_type="application/json"), 400)["code"] == "parse_error"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_only_json_bodies_are_taken(client, content_type):
    response = client.post("/api/test/crash", b"name=x", content_type=content_type)
    assert error_of(response, 415)["code"] == "unsupported_media_type"
