"""POST /api/v1/coupons/validate and /coupons/redeem at the till."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.tests.factories import ApiKeyFactory, auth_header
from customers.tests.factories import MemberFactory
from loyalty.models import Coupon, CouponRedemption
from loyalty.services import coupon_issue
from loyalty.tests.factories import CouponTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def till():
    return ApiKeyFactory(rate_limit=1000)


@pytest.fixture
def coupon():
    template = CouponTemplateFactory(discount_kind="percent", discount_value=Decimal("10"),
                                     min_order_total=Decimal("1000.00"))
    return coupon_issue(template=template, member=MemberFactory(external_id="C100"), source="staff", cause_key="c1")


def post(client, till, path, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/coupons/{path}", body, content_type="application/json", **auth_header(till), **extra)


def test_validate_shows_the_discount_for_the_basket_and_writes_nothing(client, till, coupon):
    response = post(client, till, "validate", {"code": coupon.code.lower(), "member": "C100", "order_total": "1234.50"})
    assert response.status_code == 200
    body = response.json()
    assert body["discount"] == "123.45" and body["uses_left"] == 1 and body["discount_value"] == "10.00"
    assert not CouponRedemption.objects.exists()


def test_redeem_uses_the_coupon_once_per_order(client, till, coupon):
    body = {"code": coupon.code, "member": "C100", "order_total": "2000.00", "order_external_id": "O-1"}
    first = post(client, till, "redeem", body)
    again = post(client, till, "redeem", body)
    assert first.status_code == 201 and first.json()["discount"] == "200.00"
    assert again.json()["id"] == first.json()["id"]
    assert Coupon.objects.get(pk=coupon.pk).uses == 1
    # and on another order it is used up
    other = post(client, till, "redeem", {**body, "order_external_id": "O-2"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "coupon_used"


def test_redeem_replays_by_idempotency_key_and_refuses_reuse(client, till, coupon):
    body = {"code": coupon.code, "order_total": "2000.00"}
    first = post(client, till, "redeem", body, key="k-1")
    replay = post(client, till, "redeem", body, key="k-1")
    reused = post(client, till, "redeem", {**body, "order_total": "3000.00"}, key="k-1")
    assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422
    assert CouponRedemption.objects.count() == 1


@pytest.mark.parametrize("case, status, code", [
    ("unknown", 404, "coupon_not_found"),
    ("foreign", 403, "coupon_foreign"),
    ("expired", 400, "coupon_expired"),
    ("small basket", 400, "coupon_min_order"),
    ("negative total", 400, "invalid"),
    ("unknown member", 400, "invalid"),
])
def test_refusals_have_their_code_and_redeem_nothing(client, till, coupon, case, status, code):
    MemberFactory(external_id="C200")
    body = {"code": coupon.code, "member": "C100", "order_total": "2000.00"}
    if case == "unknown":
        body["code"] = "NOPE"
    elif case == "foreign":
        body["member"] = "C200"
    elif case == "expired":
        Coupon.objects.filter(pk=coupon.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif case == "small basket":
        body["order_total"] = "999.99"
    elif case == "negative total":
        body["order_total"] = "-1"
    elif case == "unknown member":
        body["member"] = "nobody"
    for path in ("validate", "redeem"):
        response = post(client, till, path, body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert not CouponRedemption.objects.exists() and Coupon.objects.get(pk=coupon.pk).uses == 0


def test_redeem_needs_the_order_total_and_the_pos_scope(client, till, coupon):
    response = post(client, till, "redeem", {"code": coupon.code})
    assert response.status_code == 400 and "order_total" in response.json()["error"]["fields"]
    assert post(client, ApiKeyFactory(scopes=["staff"]), "redeem", {"code": coupon.code}).status_code == 403
    assert client.post("/api/v1/coupons/validate", {}, content_type="application/json").status_code == 401
