import datetime as dt

import pytest

from analytics.replenishment import expected_next_purchase_on, reminder_on, replenishment_due
from core.timezones import shop_day_start
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.stats.refresh import member_stats_refresh

TODAY = dt.date(2026, 6, 1)


def buy_on(member, day):
    OrderFactory(member=member, created_at=shop_day_start(day) + dt.timedelta(hours=15))


def buyer_every(days, *, orders, last):
    member = MemberFactory()
    for n in range(orders):
        buy_on(member, last - dt.timedelta(days=days * n))
    return member


@pytest.mark.django_db
def test_expected_next_purchase_is_last_purchase_plus_the_median_interval(settings):
    # given a monthly buyer (30 days), a weekly one with one late week (7, 7, 14 → median 7) and a one-off buyer
    settings.ANALYTICS_REPLENISHMENT_SHARE = 0.7
    monthly = buyer_every(30, orders=5, last=TODAY - dt.timedelta(days=2))
    weekly = buyer_every(7, orders=3, last=TODAY)
    buy_on(weekly, TODAY - dt.timedelta(days=28))
    once = buyer_every(30, orders=1, last=TODAY)
    # when
    member_stats_refresh(as_of=TODAY)
    monthly.refresh_from_db(), weekly.refresh_from_db(), once.refresh_from_db()
    # then
    assert expected_next_purchase_on(member=monthly) == TODAY + dt.timedelta(days=28)
    assert expected_next_purchase_on(member=weekly) == TODAY + dt.timedelta(days=7)
    assert expected_next_purchase_on(member=once) is None
    # a monthly buyer hears from us after three weeks (0.7 × 30 = 21 days after the last purchase)
    assert reminder_on(member=monthly) == TODAY - dt.timedelta(days=2) + dt.timedelta(days=21)
    assert reminder_on(member=weekly) == TODAY + dt.timedelta(days=5)


@pytest.mark.django_db
def test_replenishment_due_fires_once_per_rhythm_on_the_share_of_the_interval(settings):
    # given
    settings.ANALYTICS_REPLENISHMENT_SHARE = 0.7
    monthly = buyer_every(30, orders=4, last=TODAY - dt.timedelta(days=21))
    weekly = buyer_every(7, orders=4, last=TODAY - dt.timedelta(days=5))
    two_orders = buyer_every(30, orders=2, last=TODAY - dt.timedelta(days=21))  # one gap is not a rhythm
    buyer_every(30, orders=4, last=TODAY - dt.timedelta(days=20))  # due tomorrow
    member_stats_refresh(as_of=TODAY)
    # when / then
    assert set(replenishment_due(as_of=TODAY)) == {monthly, weekly}
    assert two_orders not in replenishment_due(as_of=TODAY)
    assert monthly not in replenishment_due(as_of=TODAY + dt.timedelta(days=1))
    # a larger share waits longer: 0.8 × 30 = 24 days
    settings.ANALYTICS_REPLENISHMENT_SHARE = 0.8
    assert monthly in replenishment_due(as_of=TODAY + dt.timedelta(days=3))
    assert monthly not in replenishment_due(as_of=TODAY)
