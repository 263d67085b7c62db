"""Fuzz POST /api/v1/events against its own OpenAPI schema with all of schemathesis' checks."""
import pytest

from core.testing.api_fuzz import api_schema, fuzz_settings, keep_test_connection, known  # noqa: F401
from core.tests.factories import ApiKeyFactory
from customers.models import Member
from customers.tests.factories import MemberFactory

schema = api_schema(r"^/api/v1/events\b", business_rules={
    # The parser refuses control characters in any key of a body, which OpenAPI 3.0 cannot say of the free-form
    # `properties` object (it has no propertyNames).
    "/api/v1/events": "no control characters in property names",
})


@pytest.mark.django_db
@schema.parametrize()
@fuzz_settings
def test_events_api_conforms_to_its_schema(case, keep_test_connection):  # noqa: F811
    # given a web shop's API key and a member the examples may name
    if not Member.objects.filter(external_id="C100").exists():
        MemberFactory(external_id="C100")
    shop = ApiKeyFactory(scopes=["pos"], rate_limit=100_000)
    # when / then
    case.call_and_validate(headers={"Authorization": f"Api-Key {shop.raw}"})
