"""The PostgreSQL summary query and score write: same numbers as the portable query, only changed rows
rewritten, and those rewrites heap-only (no index writes)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from analytics.clv import summary as clv_summary
from analytics.services import clv_fit
from core.timezones import shop_day_start
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.models import MemberStats
from segments.stats.refresh import member_stats_refresh

AS_OF = dt.date(2026, 6, 30)


def buy(member, at, total, status="completed"):
    OrderFactory(member=member, created_at=at, total=Decimal(total), status=status)


def rows(sql_and_params):
    sql, params = sql_and_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(tuple(row) for row in cursor.fetchall())


def steady_buyers(count):
    members = []
    for n in range(count):
        member = MemberFactory()
        day = AS_OF - dt.timedelta(days=300 + n % 7)
        while day <= AS_OF:
            buy(member, shop_day_start(day) + dt.timedelta(hours=12), 100 + n)
            day += dt.timedelta(days=20 + n % 5)
        members.append(member)
    return members


def table_updates():
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'segments_memberstats'")
        return cursor.fetchone() or (0, 0)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_summary_query_gives_the_portable_querys_numbers_at_day_edges_and_before_2014():
    # given orders one second either side of shop midnight, several on the first day (cents that add up),
    # a cancelled one, one after the as-of day, and one in 2012 when Moscow was UTC+4 (AT TIME ZONE path)
    edge, early, spread = MemberFactory(), MemberFactory(), MemberFactory()
    midnight = shop_day_start(AS_OF - dt.timedelta(days=40))
    buy(edge, midnight - dt.timedelta(seconds=1), "10.01")
    buy(edge, midnight, "20.02")
    buy(edge, midnight + dt.timedelta(hours=23, minutes=59, seconds=59), "0.07")
    buy(edge, midnight + dt.timedelta(days=3), "999.99", status="cancelled")
    buy(edge, shop_day_start(AS_OF + dt.timedelta(days=1)), "500.00")
    buy(edge, shop_day_start(AS_OF) + dt.timedelta(hours=23, minutes=59), "33.33")
    buy(early, dt.datetime(2012, 3, 1, 20, 30, tzinfo=dt.timezone.utc), "12.34")  # 00:30 on 2 March in UTC+4
    buy(early, dt.datetime(2012, 3, 1, 19, 30, tzinfo=dt.timezone.utc), "1.00")  # 23:30 on 1 March
    buy(early, shop_day_start(AS_OF - dt.timedelta(days=500)), "7.50")
    for days in (800, 700, 400, 200, 100, 30, 0):
        buy(spread, shop_day_start(AS_OF - dt.timedelta(days=days)) + dt.timedelta(hours=5), f"{days}.99")
    # when both queries run on PostgreSQL
    fast = rows(clv_summary._summary_sql_postgres(AS_OF))
    portable = rows(clv_summary._summary_sql_portable(AS_OF))
    # then they agree to the last digit; the edge member bought on 3 shop days, the first (10.01) left out
    assert fast == portable
    edge_row = next(row for row in fast if row[0] == edge.pk)
    assert edge_row[1:7] == (2, 41, 41, 4, 63.43, 53.42)
    early_row = next(row for row in fast if row[0] == early.pk)
    assert early_row[1] == 2  # 1 and 2 March 2012 are two shop days


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_rerun_writes_nothing_a_changed_member_is_rewritten_and_rewrites_touch_no_index():
    # given a fitted shop on a table with free space on its pages
    members = steady_buyers(12)
    member_stats_refresh(as_of=AS_OF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'segments_memberstats'")
        assert "fillfactor=50" in cursor.fetchone()[0]
    before = table_updates()
    first = clv_fit(as_of=AS_OF)
    after_first = table_updates()
    # then every buyer's row was written, each as a heap-only update
    assert first.updated == 12
    assert after_first[0] - before[0] == 12 and after_first[1] - before[1] == 12
    stored = {s.member_id: s.predicted_clv for s in MemberStats.objects.all()}
    # when the same day is fitted again, nothing is written
    assert clv_fit(as_of=AS_OF).updated == 0
    assert table_updates() == after_first
    # when one member buys a lot more that day and the models are fitted again
    buy(members[0], shop_day_start(AS_OF) + dt.timedelta(hours=20), "5000.00")
    again = clv_fit(as_of=AS_OF)
    # then that member is rewritten (and others only where the refitted models moved their scores)
    assert 1 <= again.updated <= 12
    assert MemberStats.objects.get(member=members[0]).predicted_clv != stored[members[0].pk]
    after_again = table_updates()
    assert after_again[0] - after_first[0] == after_again[1] - after_first[1] == again.updated
