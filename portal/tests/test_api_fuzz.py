"""Fuzz the members' API against its own OpenAPI schema with all of schemathesis' checks."""
import pytest

from core.testing.api_fuzz import api_schema, fuzz_settings, keep_test_connection  # noqa: F401
from customers.models import Member
from portal.services import member_token_create

from .factories import MemberWithUserFactory

schema = api_schema(r"^/api/v1/(me|auth)\b", business_rules={
    # Rules over stored rows, which a schema cannot state (see core.testing.api_fuzz.api_schema).
    "/api/v1/me": "a time zone the server knows; attributes that staff defined",
    "/api/v1/me/survey": "questions that staff defined",
})


@pytest.mark.django_db
@schema.parametrize()
@fuzz_settings
def test_members_api_conforms_to_its_schema(case, keep_test_connection):  # noqa: F811
    # given a signed-in member (a fresh token per example: one example may sign out)
    member = Member.objects.filter(user__username="fuzz-member").first() or MemberWithUserFactory(
        user__username="fuzz-member")
    _token, raw = member_token_create(member=member, client="schemathesis")
    # when / then
    case.call_and_validate(headers={"Authorization": f"Bearer {raw}"})
