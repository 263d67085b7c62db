"""The POS API refuses bad input with a 4xx and the JSON error body: sizes, lines, dates, control characters,
unknown keys and repeated SKUs in a return (issue #19, findings 6 and 7)."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.tests.factories import ApiKeyFactory, auth_header
from customers.tests.factories import MemberFactory
from loyalty.models import LedgerEntry, MemberAccount, Order, OrderLine
from loyalty.tests.factories import EarningRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # A crash must come back as the response the POS would see, not as an exception in the test.
    return Client(raise_request_exception=False)


@pytest.fixture
def till():
    return ApiKeyFactory(rate_limit=1000)


@pytest.fixture
def member():
    EarningRuleFactory(points_per_unit=Decimal("0.1"))  # 1 point per 10 RUB
    return MemberFactory(external_id="C100")


def order_body(**changes):
    body = {
        "external_id": "O-1", "member": "C100", "created_at": timezone.now().isoformat(), "total": "1000.00",
        "lines": [{"sku": "TEA-1", "name": "Tea", "quantity": "1", "unit_price": "500.00"},
                  {"sku": "CUP-1", "quantity": "1", "unit_price": "500.00"}],
    }
    return {**body, **changes}


def post(client, till, path, body, **extra):
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, payload, content_type="application/json", **auth_header(till), **extra)


def assert_json_error(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    if code:
        assert error["code"] == code
    return error


# --- returns -------------------------------------------------------------------------------------------

def test_one_sku_twice_in_a_return_is_summed_and_refused_when_more_than_bought(client, till, member):
    # given a completed order with one tea
    post(client, till, "/api/v1/orders", order_body())
    # when a return names that tea twice, once each
    response = post(client, till, "/api/v1/orders/O-1/return", {
        "return_id": "R-1", "lines": [{"sku": "TEA-1", "quantity": "1"}, {"sku": "TEA-1", "quantity": "1"}]})
    # then the two are summed, found to exceed what was bought, and nothing is reversed
    assert_json_error(response, 400, "return_exceeds_quantity")
    assert not LedgerEntry.objects.filter(kind="reverse").exists()
    assert OrderLine.objects.get(product__sku="TEA-1").returned_quantity == 0


def test_one_sku_twice_in_a_return_within_what_was_bought_reverses_both(client, till, member):
    # given a completed order with four teas (400 points at 1 point per 10 RUB)
    post(client, till, "/api/v1/orders", order_body(
        total="2000.00", lines=[{"sku": "TEA-1", "quantity": "4", "unit_price": "500.00"}]))
    # when a return names the tea twice, one and two
    response = post(client, till, "/api/v1/orders/O-1/return", {
        "return_id": "R-1", "lines": [{"sku": "TEA-1", "quantity": "1"}, {"sku": "TEA-1", "quantity": "2"}]})
    # then three teas are back and their points reversed
    assert response.status_code == 201
    assert sum(e["points"] for e in response.json()["entries"]) == -150
    assert OrderLine.objects.get(product__sku="TEA-1").returned_quantity == 3


# --- dates ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("created_at", [
    "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z", "3000-01-01T00:00:00Z",
    "1999-12-31T23:59:59Z",
])
def test_order_dates_outside_the_window_are_refused_and_earn_nothing(client, till, member, created_at):
    response = post(client, till, "/api/v1/orders", order_body(created_at=created_at))
    error = assert_json_error(response, 400, "invalid")
    assert "created_at" in error["fields"]
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()


def test_order_dates_at_the_edges_of_the_window_are_accepted(client, till, member):
    # given the window: from 2000-01-01 to a day after the server's clock
    first = post(client, till, "/api/v1/orders", order_body(external_id="O-old", created_at="2000-01-01T00:00:00Z"))
    soon = (timezone.now() + dt.timedelta(hours=23)).isoformat()
    second = post(client, till, "/api/v1/orders", order_body(external_id="O-soon", created_at=soon))
    too_late = (timezone.now() + dt.timedelta(hours=25)).isoformat()
    third = post(client, till, "/api/v1/orders", order_body(external_id="O-late", created_at=too_late))
    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 400)


# --- control characters --------------------------------------------------------------------------------

def test_nul_in_the_member_is_400_with_the_field(client, till, member):
    response = post(client, till, "/api/v1/orders", order_body(member="C1\u00000"))
    error = assert_json_error(response, 400, "invalid")
    assert "member" in error["fields"]
    assert not Order.objects.exists()


def test_control_characters_anywhere_in_the_body_are_refused(client, till, member):
    lines = [{"sku": "TEA-1", "quantity": "1", "unit_price": "500.00", "name": "Tea\u001b[31m"}]
    response = post(client, till, "/api/v1/orders", order_body(lines=lines))
    error = assert_json_error(response, 400, "invalid")
    assert "lines[0].name" in error["fields"]


def test_nul_in_a_path_is_400_not_a_crash(client, till, member):
    response = post(client, till, "/api/v1/orders/O%001/return", {"return_id": "R-1"})
    assert_json_error(response, 400, "invalid")


def test_nul_in_a_query_string_is_400(client, till, member):
    response = client.get("/api/v1/members/lookup?phone=%2B7%00", **auth_header(till))
    assert_json_error(response, 400, "invalid")


# --- sizes and unknown keys ----------------------------------------------------------------------------

def test_a_body_over_the_limit_is_413_json_and_writes_nothing(client, till, member, settings):
    settings.API_MAX_BODY_BYTES = 64 * 1024
    body = order_body(padding="x" * (2 * 1024 * 1024))
    response = post(client, till, "/api/v1/orders", body)
    assert_json_error(response, 413, "request_too_large")
    assert not Order.objects.exists()


def test_a_body_over_djangos_own_limit_is_413_json_too(client, till, member):
    # 3 MB: above DATA_UPLOAD_MAX_MEMORY_SIZE, where Django itself answered an HTML 400
    response = post(client, till, "/api/v1/orders", order_body(padding="x" * (3 * 1024 * 1024)),
                    HTTP_IDEMPOTENCY_KEY="k-1")
    assert_json_error(response, 413, "request_too_large")


def test_an_unknown_key_in_an_order_is_refused(client, till, member):
    response = post(client, till, "/api/v1/orders", order_body(points_bonus=1000))
    error = assert_json_error(response, 400, "invalid")
    assert "points_bonus" in error["fields"]
    assert not Order.objects.exists()


def test_an_unknown_key_in_a_line_is_refused(client, till, member):
    lines = [{"sku": "TEA-1", "quantity": "1", "unit_price": "500.00", "discount": "400.00"}]
    response = post(client, till, "/api/v1/orders", order_body(lines=lines))
    assert_json_error(response, 400, "invalid")
    assert not Order.objects.exists()


def test_more_lines_than_the_limit_are_refused_before_any_is_read(client, till, member, settings):
    lines = [{"sku": f"S-{n}", "quantity": "1", "unit_price": "1.00"} for n in range(settings.API_MAX_ORDER_LINES + 1)]
    response = post(client, till, "/api/v1/orders", order_body(total=str(len(lines)), lines=lines))
    error = assert_json_error(response, 400, "invalid")
    assert "lines" in error["fields"]
    assert not Order.objects.exists()


def test_an_order_with_as_many_lines_as_the_limit_is_accepted(client, till, member, settings):
    settings.API_MAX_ORDER_LINES = 30
    lines = [{"sku": f"S-{n}", "quantity": "1", "unit_price": "10.00"} for n in range(30)]
    response = post(client, till, "/api/v1/orders", order_body(total="300.00", lines=lines))
    assert response.status_code == 201
    assert MemberAccount.objects.get(member=member).pending_points == 30


# --- JSON only -----------------------------------------------------------------------------------------

def test_a_form_encoded_order_is_415(client, till, member):
    response = client.post("/api/v1/orders", {"external_id": "O-1"}, **auth_header(till))
    assert_json_error(response, 415)
    assert not Order.objects.exists()


# --- JSON types ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"total": 1000}, "total"),  # money as a JSON number may already have lost digits
    ({"external_id": 17}, "external_id"),
    ({"lines": {"sku": "TEA-1"}}, "lines"),
])
def test_a_value_of_another_json_type_is_refused_not_converted(client, till, member, changes, field):
    response = post(client, till, "/api/v1/orders", order_body(**changes))
    error = assert_json_error(response, 400, "invalid")
    assert field in error["fields"]
    assert not Order.objects.exists()


def test_points_as_text_are_refused(client, till, member):
    response = post(client, till, "/api/v1/members/C100/redemptions", {"points": "10", "transaction_id": "T-1"})
    assert "points" in assert_json_error(response, 400, "invalid")["fields"]
