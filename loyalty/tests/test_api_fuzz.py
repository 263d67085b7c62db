"""Fuzz the POS / web-shop API against its own OpenAPI schema with all of schemathesis' checks."""
from decimal import Decimal

import pytest

from core.testing.api_fuzz import api_schema, fuzz_settings, keep_test_connection, known  # noqa: F401
from core.tests.factories import ApiKeyFactory
from customers.models import Member
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import EarningRuleFactory

schema = api_schema(r"^/api/v1/(orders|members|coupons)\b", business_rules={
    # Rules over several values or over stored rows, which a schema cannot state: a schema-valid request
    # may still be refused with a 400 naming the rule (the operation's documented 400).
    "/api/v1/members/lookup": "exactly one of phone, email or card; a phone needs six digits",
    "/api/v1/orders": "a SKU once per order; a returned or cancelled order keeps its status",
    "/api/v1/orders/{external_id}/return": "lines of the order, at most what was bought, a completed order",
    "/api/v1/coupons/validate": "the coupon's expiry and minimum order total",
    "/api/v1/coupons/redeem": "the coupon's expiry and minimum order total",
})


@pytest.mark.django_db
@schema.parametrize()
@fuzz_settings
def test_pos_api_conforms_to_its_schema(case, keep_test_connection):  # noqa: F811
    # given a till's API key and a member the examples name (made once: the examples share a transaction)
    if not Member.objects.filter(external_id="C100").exists():
        EarningRuleFactory(points_per_unit=Decimal("0.1"))
        MemberFactory(external_id="C100")
    till = ApiKeyFactory(scopes=["pos"], rate_limit=100_000)
    known(case, member="C100")
    # when / then
    case.call_and_validate(headers={"Authorization": f"Api-Key {till.raw}"})
