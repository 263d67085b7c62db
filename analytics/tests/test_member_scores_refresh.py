"""After an import: statistics, RFM, stages and CLV of the touched members, queued on commit and filled at once."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.services import member_scores_refresh
from core.timezones import shop_day_start, shop_today
from customers.tests.factories import MemberFactory
from lifecycle.models import MemberLifecycle
from lifecycle.services import lifecycle_recompute, member_ranges_covering
from loyalty.tests.factories import OrderFactory
from segments.models import MemberStats, MemberStatsRefresh
from segments.stats import member_stats_refresh

pytestmark = pytest.mark.django_db


def buy(member, days_ago, total):
    OrderFactory(member=member, total=Decimal(total),
                 created_at=shop_day_start(shop_today() - dt.timedelta(days=days_ago)) + dt.timedelta(hours=12))


def shop_of_buyers(count=12):
    """Members buying every 20 to 25 days over a year: enough repeat buyers to fit the CLV models."""
    members = []
    for n in range(count):
        member = MemberFactory()
        for days_ago in range(400 - n * 7, 0, -(20 + n % 5)):
            buy(member, days_ago, 100 + 10 * n)
        members.append(member)
    return members


@pytest.fixture
def queued(settings, monkeypatch):
    """The member id lists the import receiver queued the refresh task with."""
    from analytics import tasks

    settings.ANALYTICS_REFRESH_AFTER_IMPORT = True
    calls = []
    monkeypatch.setattr(tasks.member_scores_refresh_task, "delay", lambda member_ids: calls.append(member_ids))
    return calls


def test_an_import_queues_the_refresh_of_the_touched_members_after_commit(tmp_path, queued,
                                                                          django_capture_on_commit_callbacks):
    # given
    anna = MemberFactory(external_id="C1")
    MemberFactory(external_id="C2")
    path = tmp_path / "orders.csv"
    path.write_text("external_id,member_external_id,created_at,total\nO1,C1,2024-05-01,100\n", encoding="utf-8")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_orders", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        # then nothing is queued before the import commits
        assert queued == []
    assert queued == [[anna.pk]]


def test_an_import_that_changed_nothing_queues_nothing(tmp_path, queued, django_capture_on_commit_callbacks):
    MemberFactory(external_id="C1", city="Тула")
    path = tmp_path / "members.csv"
    path.write_text("external_id,city\nC1,Тула\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_members", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert queued == []


def test_too_many_members_to_list_queue_a_refresh_of_everyone(queued, django_capture_on_commit_callbacks):
    from customers.signals import import_finished

    with django_capture_on_commit_callbacks(execute=True):
        import_finished.send(sender="orders", member_ids=None, summary=None)
    assert queued == [None]


def test_the_first_refresh_computes_everyone_with_rfm_stages_and_clv():
    # given a shop whose statistics were never computed
    members = shop_of_buyers()
    # when one member's data was imported
    result = member_scores_refresh(member_ids=[members[0].pk])
    # then every member was refreshed at once, with RFM scores, lifecycle stages and CLV
    assert result.members is None
    stats = MemberStats.objects.filter(member__in=members)
    assert stats.count() == len(members)
    assert not stats.filter(rfm_code="").exists()
    assert not stats.filter(predicted_clv__isnull=True).exists()
    assert MemberLifecycle.objects.filter(member__in=members, stage__slug="loyal").exists()
    assert lifecycle_recompute().moved == 0  # every member already has today's stage
    assert MemberStatsRefresh.objects.filter(members__isnull=True).exists()


def test_later_refreshes_are_of_the_touched_members_only():
    # given a shop with statistics computed tonight, and a member whose big orders two months ago were imported
    members = shop_of_buyers()
    member_scores_refresh()
    newcomer = MemberFactory()
    for days_ago in (90, 80, 70, 60):
        buy(newcomer, days_ago, 5000)
    untouched = members[1]
    before = MemberStats.objects.get(member=untouched)
    # when the newcomer's orders were imported
    result = member_scores_refresh(member_ids=[newcomer.pk])
    # then the newcomer has statistics, RFM scores among all buyers, a stage and a CLV; the others keep theirs
    assert result.members == 1
    stats = MemberStats.objects.get(member=newcomer)
    assert (stats.orders_count, stats.total_spent) == (4, Decimal("20000.00"))
    assert (stats.r_score, stats.m_score) == (1, 5) and stats.rfm_segment
    assert MemberLifecycle.objects.get(member=newcomer).stage.slug == "at_risk"
    after = MemberStats.objects.get(member=untouched)
    assert (after.orders_count, after.rfm_code) == (before.orders_count, before.rfm_code)
    assert stats.predicted_clv is not None


def test_rescoring_some_members_ranks_them_as_the_full_refresh_would():
    # given
    members = shop_of_buyers()
    member_stats_refresh()
    expected = dict(MemberStats.objects.values_list("member_id", "rfm_code"))
    MemberStats.objects.filter(member__in=members[:3]).update(r_score=None, f_score=None, m_score=None, rfm_code="")
    # when
    from segments.stats.rfm import member_rfm_rescore

    written = member_rfm_rescore(member_ids=[m.pk for m in members[:3]])
    # then
    assert written == 3
    assert dict(MemberStats.objects.values_list("member_id", "rfm_code")) == expected
    assert member_rfm_rescore(member_ids=[m.pk for m in members[:3]]) == 0  # nothing left to change


def test_a_shop_without_orders_is_refreshed_without_clv():
    members = [MemberFactory(), MemberFactory()]
    result = member_scores_refresh(member_ids=[m.pk for m in members])
    assert result.clv_members is None
    assert MemberStats.objects.count() == 2


def test_member_ranges_cover_the_ids_in_few_ranges():
    assert member_ranges_covering([5, 1, 3, 20_000, 20_001, 3], range_size=1_000_000) == [(1, 5), (20_000, 20_001)]
    assert member_ranges_covering(range(1, 11), range_size=4) == [(1, 4), (5, 8), (9, 10)]
    assert member_ranges_covering([]) == []


def test_the_demo_command_refreshes_only_when_stale():
    # given
    shop_of_buyers(3)
    out = io.StringIO()
    # when
    call_command("refresh_member_scores", "--if-stale", stdout=out)
    call_command("refresh_member_scores", "--if-stale", stdout=out)
    # then
    assert "Refreshed every member" in out.getvalue() and "fresh; nothing to refresh" in out.getvalue()
    assert MemberStats.objects.count() == 3
    # when the statistics are two days old
    MemberStatsRefresh.objects.update(finished_at=timezone.now() - dt.timedelta(days=2))
    call_command("refresh_member_scores", "--if-stale", stdout=out)
    assert out.getvalue().count("Refreshed every member") == 2
