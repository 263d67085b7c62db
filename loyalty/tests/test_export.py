import csv
import io

import pytest
from django.core.management import call_command

from customers.tests.factories import MemberFactory
from loyalty.models import MemberAccount
from loyalty.tests.factories import TierFactory

pytestmark = pytest.mark.django_db


def test_export_members_has_tier_and_points_balance():
    # given one member with an account and one without
    gold = TierFactory(slug="gold", name="Gold")
    with_account = MemberFactory(external_id="A1")
    MemberAccount.objects.create(member=with_account, tier=gold, available_points=1234)
    MemberFactory(external_id="B2")
    # when
    out = io.StringIO()
    call_command("export_members", stdout=out, stderr=io.StringIO())
    rows = {row["external_id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    # then
    assert (rows["A1"]["tier"], rows["A1"]["points_balance"]) == ("Gold", "1234")
    assert (rows["B2"]["tier"], rows["B2"]["points_balance"]) == ("", "")
