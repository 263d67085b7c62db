"""Monthly partitions on PostgreSQL, and retention (partitions dropped, or rows deleted on SQLite)."""
import datetime as dt

import pytest
from django.db import connection

from customers.tests.factories import MemberFactory
from events.models import Event, EventReceipt
from events.services.builtin import event_record
from events.services.partitions import event_partitions, event_partitions_drop_expired, event_partitions_ensure

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)


def test_retention_drops_what_is_older_than_the_kept_months(settings):
    # given: events of this month and of sixteen months ago, kept 13 months
    settings.EVENTS_RETENTION_MONTHS = 13
    member = MemberFactory()
    event_partitions_ensure(now=NOW - dt.timedelta(days=500))
    event_record(type_key="order_completed", event_id="old", member_id=member.pk,
                 occurred_at=dt.datetime(2025, 8, 10, tzinfo=dt.UTC))
    event_record(type_key="order_completed", event_id="new", member_id=member.pk, occurred_at=NOW)
    EventReceipt.objects.filter(event_id="old").update(received_at=dt.datetime(2025, 8, 10, tzinfo=dt.UTC))
    # when
    result = event_partitions_drop_expired(now=NOW)
    # then
    assert list(Event.objects.values_list("event_id", flat=True)) == ["new"]
    assert list(EventReceipt.objects.values_list("event_id", flat=True)) == ["new"]
    assert result["cutoff"] == "2025-11-01"
    if connection.vendor == "postgresql":
        months = [month for _name, month in event_partitions()]
        assert "events_event_y2025m08" in result["partitions_dropped"]
        assert min(months) >= dt.date(2025, 11, 1)


@pytest.mark.postgres
def test_partitions_are_created_ahead_and_rows_land_in_their_month(settings):
    settings.EVENTS_PARTITIONS_AHEAD = 3
    event_partitions_ensure(now=NOW)
    months = {month for _name, month in event_partitions()}
    assert {dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 3, 1)} <= months
    member = MemberFactory()
    event_record(type_key="order_completed", event_id="o1", member_id=member.pk,
                 occurred_at=dt.datetime(2027, 2, 3, tzinfo=dt.UTC))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_event_y2027m02")
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
def test_a_month_without_a_partition_is_created_on_ingest():
    # far ahead of anything the beat task made: ingest creates the month instead of failing
    member = MemberFactory()
    event_record(type_key="order_completed", event_id="far", member_id=member.pk,
                 occurred_at=dt.datetime(2031, 5, 1, tzinfo=dt.UTC))
    assert Event.objects.filter(event_id="far").exists()
