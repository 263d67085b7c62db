"""The per-process cache of the programme's settings, earning rules and tiers (`earning_config()`)."""
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.factories import MemberFactory
from loyalty.models import EarningRule, LedgerEntry
from loyalty.services import order_upsert
from loyalty.services import earning
from loyalty.tests.factories import EarningRuleFactory, TierFactory

pytestmark = pytest.mark.django_db

LINES = [{"sku": "TEA", "quantity": "1", "unit_price": "1000.00"}]


@pytest.fixture(autouse=True)
def config_cache(settings):
    # given the production setting: each process keeps the config for 10 seconds
    settings.CONFIG_CACHE_SECONDS = 10
    earning.earning_config_clear()
    yield
    earning.earning_config_clear()


def earn(member, external_id):
    order, _ = order_upsert(source="shop", external_id=external_id, member=member, created_at=timezone.now(),
                            status="completed", total="1000.00", currency="RUB", channel="web", lines=LINES)
    return LedgerEntry.objects.get(order=order, kind="earn").points


def test_a_rule_saved_in_admin_applies_to_the_next_order_at_once(django_assert_num_queries):
    # given a base rate of 1 point per 10 and a warm cache
    rule = EarningRuleFactory(points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    assert earn(member, "A") == 100
    with django_assert_num_queries(0):
        assert earning.earning_config().rules == (rule,)
    # when the rule is saved with a double rate (as admin does), or a tier is added
    rule.points_per_unit = Decimal("0.2")
    rule.save()
    # then the next order earns the new rate
    assert earn(member, "B") == 200
    TierFactory(slug="silver", rank=1)
    assert [tier.slug for tier in earning.earning_config().tiers] == ["silver"]


def test_a_deleted_rule_stops_earning_at_once():
    rule = EarningRuleFactory(points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    assert earn(member, "A") == 100
    EarningRuleFactory(kind="promotion", multiplier=Decimal("2")).delete()  # unrelated save + delete
    rule.delete()
    order, _ = order_upsert(source="shop", external_id="B", member=member, created_at=timezone.now(),
                            status="completed", total="1000.00", currency="RUB", channel="web", lines=LINES)
    assert not LedgerEntry.objects.filter(order=order).exists()


def test_a_change_no_signal_reports_is_seen_once_the_cache_expires(monkeypatch):
    # given a warm cache (as another process would hold it)
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    assert earn(member, "A") == 100
    # when the rate changes without a save signal (another process, or a queryset update)
    EarningRule.objects.update(points_per_unit=Decimal("0.3"))
    # then orders within the cache's 10 seconds still earn the old rate, and the new one after
    assert earn(member, "B") == 100
    later = time.monotonic() + 11
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert earn(member, "C") == 300


def test_with_the_cache_off_every_order_reads_the_config(settings):
    settings.CONFIG_CACHE_SECONDS = 0
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    assert earn(member, "A") == 100
    EarningRule.objects.update(points_per_unit=Decimal("0.3"))
    assert earn(member, "B") == 300
