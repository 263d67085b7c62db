import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from loyalty.models import LedgerEntry, MemberAccount, Reward, Tier
from loyalty.selectors import ledger_mismatches
from loyalty.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_seed_loyalty_demo_creates_the_programme_and_points_once():
    # given completed orders, one old, one recent, and a cancelled one
    old = OrderFactory(total=Decimal("2000"), created_at=timezone.now() - dt.timedelta(days=100))
    recent = OrderFactory(member=old.member, total=Decimal("1000"), created_at=timezone.now() - dt.timedelta(days=1))
    OrderFactory(member=old.member, total=Decimal("9999"), status="cancelled")
    # when the command runs twice
    for _ in range(2):
        call_command("seed_loyalty_demo", stdout=io.StringIO())
    # then the programme exists once and each completed order earned 5 points per 100 once
    assert list(Tier.objects.values_list("slug", flat=True)) == ["bronze", "silver", "gold"]
    assert Reward.objects.count() == 3
    assert LedgerEntry.objects.filter(kind="earn").count() == 2
    account = MemberAccount.objects.get(member=old.member)
    assert (account.available_points, account.pending_points) == (100, 50)
    assert account.tier.slug == "bronze"
    assert ledger_mismatches()[0] == []
    assert recent.ledger_entries.get().bucket == "pending"
