import datetime as dt

import pytest
from django.utils import timezone

from core.timezones import shop_today
from loyalty.models import LedgerEntry, LotState, PointsLot, ProgrammeSettings, ValidityKind
from loyalty.selectors import ledger_mismatches, member_balance
from loyalty.services import order_upsert, points_daily
from loyalty.services.ledger import lot_expiry
from loyalty.tests.factories import EarningRuleFactory
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _order(member, external_id="W-1"):
    return order_upsert(source="shop", external_id=external_id, member=member, created_at=timezone.now(),
                        status="completed", total="1000.00", currency="RUB", channel="web", store="",
                        lines=[{"sku": "TEA", "quantity": "2", "unit_price": "500.00"}])[0]


def test_earned_points_stay_pending_until_the_return_period_is_over():
    # given a 14-day return period and an order earning 100 points
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 14})
    EarningRuleFactory(points_per_unit="0.1")
    member = MemberFactory()
    order = _order(member)
    assert member_balance(member=member).pending == 100 and member_balance(member=member).available == 0
    # when the daily pass runs the day before and on the day it unlocks (twice)
    today = shop_today()
    points_daily(today=today + dt.timedelta(days=13))
    assert member_balance(member=member).available == 0
    points_daily(today=today + dt.timedelta(days=14))
    points_daily(today=today + dt.timedelta(days=14))
    # then the points moved once from pending to available, by a pair of entries
    assert member_balance(member=member).available == 100 and member_balance(member=member).pending == 0
    unlocks = LedgerEntry.objects.filter(member=member, kind="unlock").order_by("points")
    assert [(e.bucket, e.points) for e in unlocks] == [("pending", -100), ("available", 100)]
    assert PointsLot.objects.get(order=order).state == LotState.AVAILABLE
    assert ledger_mismatches()[0] == []


@pytest.mark.parametrize("kind, days, earned, expires", [
    (ValidityKind.ROLLING_DAYS, 365, dt.date(2026, 3, 10), dt.date(2027, 3, 10)),
    (ValidityKind.END_OF_MONTH, 30, dt.date(2026, 1, 15), dt.date(2026, 2, 28)),
    (ValidityKind.END_OF_YEAR, 365, dt.date(2026, 3, 10), dt.date(2027, 12, 31)),
    (ValidityKind.NEVER, 0, dt.date(2026, 3, 10), None),
])
def test_lot_expiry_follows_the_validity_rule(kind, days, earned, expires):
    programme = ProgrammeSettings(validity_kind=kind, validity_days=days)
    assert lot_expiry(earned_on=earned, programme=programme) == expires


def test_beat_schedules_the_daily_pass_and_the_tier_review():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.filter(task__startswith="loyalty.tasks.").values_list("task", "crontab__hour"))
    assert tasks == {"loyalty.tasks.points_daily_task": "1", "loyalty.tasks.tiers_review_task": "4"}


def test_daily_task_runs_the_pass():
    from loyalty.tasks import points_daily_task

    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    EarningRuleFactory(points_per_unit="0.1")
    member = MemberFactory()
    _order(member)
    lot = PointsLot.objects.get()
    PointsLot.objects.filter(pk=lot.pk).update(expires_on=shop_today() - dt.timedelta(days=1))
    assert points_daily_task() == {"unlocked": 0, "expired": 1, "expiring": 0}
    assert member_balance(member=member).available == 0
