"""The order and lookup APIs validate and answer through serializers built once per process
(core.reused_serializers): the same validated data, the same JSON and the same error bodies as a serializer
built per request, and every refused body stays a JSON 4xx (issue #18)."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from core.reused_serializers import ReusedSerializer
from core.tests.factories import ApiKeyFactory, auth_header
from customers.tests.factories import MemberFactory
from loyalty.apis.members import MemberLookupInput, MemberOutput
from loyalty.apis.orders import LINES_WITH_PRODUCTS, OrderInput, OrderOutput
from loyalty.models import Order
from loyalty.services import order_upsert, points_award_bonus
from loyalty.tests.factories import EarningRuleFactory

pytestmark = pytest.mark.django_db

# Values a till might send, good and bad, per key (None: the key is left out).
GOOD_LINE = {"sku": "TEA-1", "quantity": "2", "unit_price": "500.00"}
VALUES = {
    "external_id": [None, "O-1", " O-2 ", "", "   ", "x" * 64, "x" * 65, 17, "Заказ-1", "a\tb"],
    "source": [None, "shop", "pos", "", "y" * 33, True],
    "member": [None, "C100", " C100 ", "nobody", "", 100, "\u00a0"],
    "created_at": [None, "2026-11-20T12:00:00Z", "2026-11-20T12:00:00+03:00", "2026-11-20T12:00:00", "2026-11-20",
                   "1999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", "yesterday", 1700000000],
    "status": [None, "completed", "pending", "cancelled", "returned", "lost", ""],
    "total": [None, "1000.00", "1000", "0", "-1", "1e3", "NaN", "1234567890123", "10.005", 1000, " 5 "],
    "currency": [None, "RUB", "rub", "USD", "RUBL"],
    "channel": [None, "store", "web", "app", "moon"],
    "store": [None, "", "Tver-1", "z" * 65],
    "lines": [None, [], [GOOD_LINE], [GOOD_LINE, {"sku": "CUP-1", "unit_price": "1"}], {"sku": "A"},
              [{"sku": "A", "quantity": "0", "unit_price": "1"}], [{"sku": "A", "unit_price": "1", "discount": "1"}],
              [{"sku": "A", "quantity": 1, "unit_price": "1"}], [{"sku": "A", "name": "Чай", "unit_price": "0"}],
              [None], [{"sku": "", "unit_price": "1"}], [{"quantity": "1"}]],
}


@pytest.fixture
def member():
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    return MemberFactory(external_id="C100")


def validated_by_drf(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def assert_same_outcome(serializer_class, data):
    """Reused and per-request serializers agree: equal validated data, or equal error details."""
    try:
        expected = validated_by_drf(serializer_class, data)
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            ReusedSerializer(serializer_class).validated(data)
        assert raised.value.detail == error.detail
    else:
        assert ReusedSerializer(serializer_class).validated(data) == expected


@given(body=st.fixed_dictionaries({}, optional={key: st.sampled_from(values) for key, values in VALUES.items()}),
       extra=st.sampled_from([None, {"points_bonus": 1}, {"": ""}]))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_an_order_body_validates_as_a_new_serializer_would(member, body, extra):
    body = {key: value for key, value in body.items() if value is not None} | (extra or {})
    assert_same_outcome(OrderInput, body)


@pytest.mark.parametrize("data", [[], "x", None, 17, {"lines": [GOOD_LINE] * 3}])
def test_bodies_that_are_not_orders_give_the_same_errors(member, data):
    assert_same_outcome(OrderInput, data)


@pytest.mark.parametrize("query", ["card=200000000042", "phone=8+999+000-11-22", "email=a@example.com", "",
                                   "card=&phone=", "card=1&card=2", "card=" + "9" * 40, "other=1", "card=%20"])
def test_lookup_parameters_validate_as_a_new_serializer_would(query):
    assert_same_outcome(MemberLookupInput, QueryDict(query))


def test_the_order_and_member_json_is_a_new_serializers():
    # given a completed order with lines and a pending one without, and a member with and without an account
    member = MemberFactory(external_id="C7", phone="+79990001122", card_number="200000000042")
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    now = timezone.now() - dt.timedelta(hours=1)
    order_upsert(source="shop", external_id="O-1", member=member, created_at=now, status="completed",
                 total=Decimal("1500.50"), currency="RUB", channel="store", store="Tver",
                 lines=[{"sku": "TEA-1", "quantity": Decimal("1.5"), "unit_price": Decimal("1000.33")}])
    order_upsert(source="pos", external_id="O-2", member=member, created_at=now, status="pending",
                 total=Decimal("0"), currency="RUB", channel="web", lines=[])
    bare = MemberFactory(external_id="C8")
    # then the reused output serializers give each object's JSON exactly
    for order in Order.objects.select_related("member").prefetch_related(LINES_WITH_PRODUCTS):
        assert json.dumps(ReusedSerializer(OrderOutput).data(order)) == json.dumps(OrderOutput(order).data)
    points_award_bonus(member=member, points=150, reason="Welcome", cause_key="welcome-1")
    for someone in (member, bare):
        someone = type(someone).objects.select_related("account__tier").get(pk=someone.pk)
        assert json.dumps(ReusedSerializer(MemberOutput).data(someone)) == json.dumps(MemberOutput(someone).data)


BAD_ORDERS = [
    [], "order", 17, None, {}, {"external_id": None}, {"member": "C100", "lines": "many"},
    {"external_id": "O-1", "member": "C100", "created_at": "now", "total": "1", "lines": [[]]},
    {"external_id": "O-1", "member": ["C100"], "created_at": "2026-11-20T12:00:00Z", "total": "1"},
    {"external_id": "O-1", "member": "C100", "created_at": "2026-11-20T12:00:00Z", "total": {"amount": 1}},
    {"external_id": "O-1", "member": "C100", "created_at": "2026-11-20T12:00:00Z", "total": "1e400"},
    {"external_id": "O-1", "member": "C100", "created_at": "2026-11-20T12:00:00Z", "total": "1",
     "lines": [{"sku": "A", "unit_price": "1"}, {"sku": "A", "unit_price": "1"}]},
]


@pytest.mark.parametrize("body", BAD_ORDERS)
def test_every_refused_order_is_a_json_4xx(member, body):
    # given a till
    till = ApiKeyFactory(rate_limit=1000)
    # when it sends a body the API refuses
    response = Client(raise_request_exception=False).post(
        "/api/v1/orders", json.dumps(body), content_type="application/json", **auth_header(till))
    # then the answer is a 4xx with the one error body, and nothing was written
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()["error"]) >= {"code", "message", "fields"}
    assert not Order.objects.exists()
