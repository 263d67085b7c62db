"""Fuzz the staff API against its own OpenAPI schema with all of schemathesis' checks."""
import pytest

from core.testing.api_fuzz import api_schema, fuzz_settings, keep_test_connection  # noqa: F401
from core.tests.factories import ApiKeyFactory
from customers.tests.factories import MemberFactory
from segments.models import Segment
from segments.services import segment_refresh, segment_save_rules

schema = api_schema(r"^/api/v1/segments/")


@pytest.mark.django_db
@schema.parametrize()
@fuzz_settings
def test_staff_api_conforms_to_its_schema(case, keep_test_connection):  # noqa: F811
    # given a staff key and a refreshed segment with members (made once: the examples share a transaction)
    if not Segment.objects.filter(slug="women").exists():
        segment = segment_save_rules(segment=Segment.objects.create(slug="women", name="Women"),
                                     rules={"type": "member_field", "field": "gender", "op": "eq", "value": "f"})
        MemberFactory.create_batch(3, gender="f")
        segment_refresh(segment=segment)
    staff = ApiKeyFactory(scopes=["staff"], rate_limit=100_000)
    # when / then
    case.call_and_validate(headers={"Authorization": f"Api-Key {staff.raw}"})
