import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from core.testing.parallel import errors_of, run_at_once
from core.timezones import shop_day_start
from customers.tests.factories import EngagementEventFactory, MemberFactory
from loyalty.models import LedgerEntry
from loyalty.tests.factories import OrderFactory
from segments.models import MemberStats, RfmSegmentRule
from segments.stats import member_stats_refresh
from segments.stats.queries import RFM_COLUMNS, STAT_COLUMNS

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def at(day: dt.date, hour=12):
    return shop_day_start(day) + dt.timedelta(hours=hour)


def test_order_statistics_count_only_completed_orders():
    # given purchases 60, 30 and 2 days ago, plus a returned and a cancelled order
    member = MemberFactory()
    for days, total in [(60, "1000"), (30, "3000"), (2, "5000")]:
        OrderFactory(member=member, created_at=at(AS_OF - dt.timedelta(days=days)), total=Decimal(total))
    OrderFactory(member=member, created_at=at(AS_OF - dt.timedelta(days=1)), total=Decimal("9999"), status="returned")
    OrderFactory(member=member, created_at=at(AS_OF), total=Decimal("9999"), status="cancelled")
    # when
    member_stats_refresh(as_of=AS_OF)
    # then
    stats = MemberStats.objects.get(member=member)
    assert (stats.orders_count, stats.total_spent, stats.avg_order_value) == (3, Decimal("9000"), Decimal("3000"))
    assert (stats.first_purchase_on, stats.last_purchase_on) == (AS_OF - dt.timedelta(days=60), AS_OF - dt.timedelta(days=2))
    assert stats.median_days_between == Decimal("29.0")  # gaps 30 and 28
    assert stats.purchases_per_month == Decimal("1.050")  # 2 repeat purchases × 30.44 / 58 days = 1.0497


def test_members_without_orders_get_a_row_of_zeros():
    member = MemberFactory()
    member_stats_refresh(as_of=AS_OF)
    stats = MemberStats.objects.get(member=member)
    assert (stats.orders_count, stats.avg_order_value, stats.rfm_code, stats.r_score) == (0, None, "", None)


def test_opens_are_read_in_the_members_own_time_zone():
    # given a Novosibirsk member (UTC+7) opening at 23:30 and 01:00 local, and at 14:00 local
    member = MemberFactory(timezone="Asia/Novosibirsk")
    utc = dt.timezone.utc
    for hour, minute in [(16, 30), (18, 0), (7, 0)]:  # UTC times of 23:30, 01:00, 14:00 local
        EngagementEventFactory(member=member, occurred_at=dt.datetime(2026, 6, 20, hour, minute, tzinfo=utc))
    EngagementEventFactory(member=member, kind="click", occurred_at=dt.datetime(2026, 6, 20, 7, 1, tzinfo=utc))
    # when
    member_stats_refresh(as_of=AS_OF)
    # then
    stats = MemberStats.objects.get(member=member)
    assert stats.email_opens_count == 3
    assert stats.night_open_share == Decimal("0.667")
    assert stats.top_open_hour in (23, 1, 14)
    assert stats.preferred_channel == "email"


def test_most_common_open_hour_wins():
    member = MemberFactory(timezone="Europe/Moscow")
    utc = dt.timezone.utc
    for day in (1, 2, 3):
        EngagementEventFactory(member=member, occurred_at=dt.datetime(2026, 6, day, 17, 5, tzinfo=utc))  # 20:05 MSK
    EngagementEventFactory(member=member, occurred_at=dt.datetime(2026, 6, 4, 6, 0, tzinfo=utc))  # 09:00 MSK
    member_stats_refresh(as_of=AS_OF)
    assert MemberStats.objects.get(member=member).top_open_hour == 20


def test_points_and_referrals():
    member = MemberFactory()
    MemberFactory(referred_by=member)
    MemberFactory(referred_by=member)
    recent, old = at(AS_OF - dt.timedelta(days=5)), at(AS_OF - dt.timedelta(days=90))
    LedgerEntry.objects.create(member=member, kind="earn", points=300, created_at=recent)
    LedgerEntry.objects.create(member=member, kind="bonus", points=50, created_at=recent)
    LedgerEntry.objects.create(member=member, kind="earn", points=999, created_at=old)
    LedgerEntry.objects.create(member=member, kind="redeem", points=-200, created_at=recent)
    LedgerEntry.objects.create(member=member, kind="redeem", points=-100, created_at=old)
    member_stats_refresh(as_of=AS_OF)
    stats = MemberStats.objects.get(member=member)
    assert (stats.points_earned_30d, stats.points_spent_30d, stats.redemptions_count) == (350, 200, 2)
    assert stats.referrals_count == 2


def test_a_second_refresh_rewrites_only_changed_members():
    first, second = MemberFactory(), MemberFactory()
    OrderFactory(member=first, created_at=at(AS_OF - dt.timedelta(days=3)))
    assert member_stats_refresh(as_of=AS_OF).written == 2
    OrderFactory(member=second, created_at=at(AS_OF))
    assert member_stats_refresh(as_of=AS_OF).written == 1


def test_refresh_of_some_members_leaves_the_others():
    first, second = MemberFactory(), MemberFactory()
    member_stats_refresh(as_of=AS_OF)
    OrderFactory(member=first, created_at=at(AS_OF))
    OrderFactory(member=second, created_at=at(AS_OF))
    member_stats_refresh(as_of=AS_OF, member_ids=[first.pk])
    assert MemberStats.objects.get(member=first).orders_count == 1
    assert MemberStats.objects.get(member=second).orders_count == 0


def test_rfm_quintiles_are_equal_sized_and_follow_recency_frequency_and_money():
    # given 25 buyers: buyer i bought i times, last i days ago... reversed for recency, spending 100*i per order
    buyers = []
    for i in range(1, 26):
        member = MemberFactory()
        for n in range(i):
            OrderFactory(member=member, created_at=at(AS_OF - dt.timedelta(days=30 - i + n * 0)), total=Decimal(100 * i))
        buyers.append(member)
    # when
    member_stats_refresh(as_of=AS_OF)
    # then each score has five members per quintile, ordered by the buyer's rank
    stats = {s.member_id: s for s in MemberStats.objects.all()}
    for score in ("r_score", "f_score", "m_score"):
        values = [getattr(stats[m.pk], score) for m in buyers]
        assert values == [q for q in range(1, 6) for _ in range(5)], score
    assert stats[buyers[-1].pk].rfm_code == "555"
    assert stats[buyers[-1].pk].rfm_segment == "Чемпионы"
    assert stats[buyers[0].pk].rfm_segment == "Потерянные"


def _ntile5(members_in_order):
    """{member: quintile} as NTILE(5) deals them: the first len % 5 quintiles get one member more."""
    base, extra = divmod(len(members_in_order), 5)
    sizes = [base + (1 if quintile < extra else 0) for quintile in range(5)]
    quintiles = [quintile + 1 for quintile, size in enumerate(sizes) for _ in range(size)]
    return dict(zip(members_in_order, quintiles))


@pytest.mark.parametrize("buyers", [23, 3])
def test_rfm_quintiles_break_ties_by_member_id_like_ntile(buyers):
    # given buyers sharing last days, order counts and totals (ties everywhere), and one non-buyer
    members = []
    for i in range(buyers):
        member = MemberFactory()
        for n in range(1 + i % 3):
            OrderFactory(member=member, created_at=at(AS_OF - dt.timedelta(days=10 * (i % 4) + n)),
                         total=Decimal(500 * (1 + i % 2)))
        members.append(member)
    MemberFactory()
    # when
    member_stats_refresh(as_of=AS_OF)
    # then each score is NTILE(5) over buyers ordered by the key, then by member id
    stats = {s.member_id: s for s in MemberStats.objects.filter(orders_count__gt=0)}
    assert len(stats) == buyers
    for score, key in [("r_score", "last_purchase_on"), ("f_score", "orders_count"), ("m_score", "total_spent")]:
        expected = _ntile5(sorted(stats, key=lambda member_id: (getattr(stats[member_id], key), member_id)))
        assert {member_id: getattr(row, score) for member_id, row in stats.items()} == expected, score


def test_a_refresh_rewrites_members_whose_rfm_scores_moved_though_their_statistics_did_not():
    # given members refreshed once
    members = _varied_members(12)
    member_stats_refresh(as_of=AS_OF)
    before = {row[0]: row for row in _stats_rows()}
    # when a new buyer arrives with the largest and latest order, which moves others between quintiles
    newcomer = MemberFactory()
    OrderFactory(member=newcomer, created_at=at(AS_OF), total=Decimal("99999"))
    result = member_stats_refresh(as_of=AS_OF)
    # then the rows are exactly those a refresh from scratch writes
    refreshed = _stats_rows()
    MemberStats.objects.all().delete()
    member_stats_refresh(as_of=AS_OF)
    assert refreshed == _stats_rows()
    # and the rewritten rows were the newcomer plus members whose scores alone changed
    moved = [row[0] for row in refreshed if row[0] in before and row != before[row[0]]]
    stat_count = 1 + len(STAT_COLUMNS)
    assert moved and all(before[member_id][:stat_count] == row[:stat_count]
                         for member_id in moved for row in refreshed if row[0] == member_id)
    assert result.written == 1 + len(moved)
    assert len(members) + 1 == len(refreshed)


def test_a_renamed_rfm_segment_rewrites_the_members_in_it():
    # given a buyer refreshed into some RFM segment
    buyer = MemberFactory()
    OrderFactory(member=buyer, created_at=at(AS_OF - dt.timedelta(days=3)))
    member_stats_refresh(as_of=AS_OF)
    segment = MemberStats.objects.get(member=buyer).rfm_segment
    # when staff rename that segment in the map
    RfmSegmentRule.objects.filter(name=segment).update(name="Renamed")
    # then the next refresh rewrites the buyer with the new name, though nothing else changed
    assert member_stats_refresh(as_of=AS_OF).written == 1
    assert MemberStats.objects.get(member=buyer).rfm_segment == "Renamed"


def test_seeded_rfm_map_covers_every_cell_of_the_grid_exactly_once():
    cells = {}
    for rule in RfmSegmentRule.objects.all():
        for r in range(rule.r_min, rule.r_max + 1):
            for f in range(rule.f_min, rule.f_max + 1):
                cells.setdefault((r, f), []).append(rule.name)
    assert sorted(cells) == [(r, f) for r in range(1, 6) for f in range(1, 6)]
    assert all(len(names) == 1 for names in cells.values())
    assert len({rule.name for rule in RfmSegmentRule.objects.all()}) == 11


def _stats_rows():
    columns = ["member_id", *STAT_COLUMNS, *RFM_COLUMNS]
    return sorted(MemberStats.objects.values_list(*columns))


def _varied_members(count: int):
    """Members with orders, opens, points and referrals that differ from one to the next."""
    utc = dt.timezone.utc
    members = []
    for i in range(count):
        member = MemberFactory(timezone=["Europe/Moscow", "Asia/Novosibirsk", "Europe/Kaliningrad"][i % 3],
                               referred_by=members[i // 2] if i % 4 == 3 else None)
        for n in range(i % 5):
            OrderFactory(member=member, created_at=at(AS_OF - dt.timedelta(days=7 * n + i)), total=Decimal(250 * (i + n)))
        for n in range(i % 3):
            EngagementEventFactory(member=member, occurred_at=dt.datetime(2026, 6, 1 + n, (i * 5 + n) % 24, tzinfo=utc))
        if i % 2:
            LedgerEntry.objects.create(member=member, kind="earn", points=10 * i, created_at=at(AS_OF - dt.timedelta(days=3)))
        members.append(member)
    return members


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_full_refresh_on_parallel_connections_computes_what_one_statement_does(settings):
    # given 23 members, refreshed by the single statement
    members = _varied_members(23)
    settings.STATS_REFRESH_CONNECTIONS = 1
    member_stats_refresh(as_of=AS_OF)
    one_statement = _stats_rows()
    assert len(one_statement) == 23 and any(row[1] for row in one_statement)
    for connections in (3, 2):  # three: a connection per RFM key; two: the keys share them
        # when the same refresh runs in id ranges on parallel connections
        settings.STATS_REFRESH_CONNECTIONS = connections
        again = member_stats_refresh(as_of=AS_OF)
        # then nothing differs, and the staging table held every member once
        assert again.written == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(DISTINCT member_id), COUNT(*) FROM segments_memberstats_stage")
            assert cursor.fetchone() == (23, 23)
        # and filling an empty table that way writes the same rows
        MemberStats.objects.all().delete()
        assert member_stats_refresh(as_of=AS_OF).written == len(members)
        assert _stats_rows() == one_statement


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_full_refreshes_at_once_take_turns(settings):
    # given members whose statistics were never computed
    _varied_members(9)
    settings.STATS_REFRESH_CONNECTIONS = 2
    # when two full refreshes start together (each with its own staging connections)
    outcomes = run_at_once(2, lambda _: member_stats_refresh(as_of=AS_OF))
    # then both finish; the second waited for the first and found nothing left to write
    assert errors_of(outcomes) == []
    assert sorted(result.written for result in outcomes) == [0, 9]
    assert MemberStats.objects.count() == 9
