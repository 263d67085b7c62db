import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from customers.tests.factories import EngagementEventFactory, MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.models import MemberStats
from segments.stats import member_stats_refresh
from segments.stats.zones import HORIZON_DAYS, constant_offset_since

UTC = dt.timezone.utc


def test_a_zone_without_changes_is_constant_back_to_the_horizon():
    until = dt.datetime(2026, 6, 30, tzinfo=UTC)
    since, offset = constant_offset_since("Europe/Moscow", until)  # UTC+3 since October 2014
    assert offset == 3 * 3600
    assert since == until - dt.timedelta(days=HORIZON_DAYS)


def test_a_daylight_saving_zone_is_constant_since_its_last_change_to_the_second():
    # Berlin went to summer time at 01:00 UTC on 2026-03-29
    since, offset = constant_offset_since("Europe/Berlin", dt.datetime(2026, 6, 30, tzinfo=UTC))
    assert (since, offset) == (dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 2 * 3600)
    assert ZoneInfo("Europe/Berlin").utcoffset(since - dt.timedelta(seconds=1)) == dt.timedelta(hours=1)


@pytest.mark.postgres  # SQLite shifts by one offset per zone (core.sql), exact only without daylight saving
@pytest.mark.django_db
@override_settings(SHOP_TIME_ZONE="Europe/Berlin")
def test_local_days_and_hours_are_exact_on_both_sides_of_a_clock_change():
    # given orders at 23:30 local in winter (UTC+1) and in summer (UTC+2), both read as that local day
    member = MemberFactory(timezone="Europe/Berlin")
    OrderFactory(member=member, created_at=dt.datetime(2026, 1, 10, 22, 30, tzinfo=UTC))  # 23:30 on Jan 10
    OrderFactory(member=member, created_at=dt.datetime(2026, 6, 10, 21, 30, tzinfo=UTC))  # 23:30 on Jun 10
    # and opens at 23:30 local in winter and in summer
    EngagementEventFactory(member=member, occurred_at=dt.datetime(2026, 1, 11, 22, 30, tzinfo=UTC))
    EngagementEventFactory(member=member, occurred_at=dt.datetime(2026, 6, 11, 21, 30, tzinfo=UTC))
    # when
    member_stats_refresh(as_of=dt.date(2026, 6, 30))
    # then
    stats = MemberStats.objects.get(member=member)
    assert (stats.first_purchase_on, stats.last_purchase_on) == (dt.date(2026, 1, 10), dt.date(2026, 6, 10))
    assert stats.median_days_between == 151  # Jan 10 → Jun 10
    assert (stats.top_open_hour, stats.night_open_share) == (23, 1)
