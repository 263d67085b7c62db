import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from core.timezones import shop_day_start
from customers.tests.factories import MemberFactory
from lifecycle.models import LifecycleStage, MemberLifecycle, StageTransition
from lifecycle.services import lifecycle_dry_run, lifecycle_recompute, member_id_ranges
from loyalty.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def buyer(orders: int, days_ago: int, *, extra_statuses=(), as_of=AS_OF):
    """A member whose `orders` completed orders end `days_ago` days before as_of (noon, shop time)."""
    member = MemberFactory()
    last = shop_day_start(as_of - dt.timedelta(days=days_ago)) + dt.timedelta(hours=12)
    for n in range(orders):
        OrderFactory(member=member, created_at=last - dt.timedelta(days=3 * n))
    for status in extra_statuses:
        OrderFactory(member=member, created_at=last + dt.timedelta(days=1), status=status)
    return member


def stage_of(member):
    row = MemberLifecycle.objects.filter(member=member).select_related("stage").first()
    return row.stage.slug if row and row.stage else "active"


@pytest.mark.parametrize(
    "orders, days, expected",
    [
        (1, 9, "active"), (1, 10, "new"), (1, 24, "new"), (1, 25, "promising"), (1, 50, "promising"),
        (1, 51, "wandering"), (1, 74, "wandering"), (1, 75, "dormant"), (1, 400, "dormant"),
        (2, 10, "active"), (2, 24, "active"), (2, 25, "promising"), (2, 50, "promising"), (2, 51, "wandering"),
        (2, 75, "dormant"),
        (3, 19, "active"), (3, 20, "loyal"), (3, 55, "loyal"), (3, 56, "at_risk"), (3, 112, "at_risk"),
        (3, 113, "lost"), (12, 56, "at_risk"),
    ],
)
def test_default_stage_boundaries(orders, days, expected):
    # given
    member = buyer(orders, days)
    # when
    lifecycle_recompute(as_of=AS_OF)
    # then
    assert stage_of(member) == expected


def test_returned_and_cancelled_orders_neither_count_nor_reset_the_days():
    # given two completed orders 51 days ago, then a returned and a cancelled one after them
    member = buyer(2, 51, extra_statuses=["returned", "cancelled"])
    # when
    lifecycle_recompute(as_of=AS_OF)
    # then: still a 2-order member at 51 days
    assert stage_of(member) == "wandering"
    transition = StageTransition.objects.get(member=member)
    assert (transition.completed_orders, transition.days_since_last_purchase) == (2, 51)


def test_orders_after_as_of_are_ignored_so_history_replays():
    member = buyer(1, 30)
    OrderFactory(member=member, created_at=shop_day_start(AS_OF + dt.timedelta(days=1)) + dt.timedelta(hours=1))
    lifecycle_recompute(as_of=AS_OF)
    assert stage_of(member) == "promising"


def test_days_are_counted_in_the_shop_time_zone():
    # 23:30 Moscow on the 20th is 20:30 UTC: the purchase day is the 20th, ten days before the 30th.
    member = MemberFactory()
    OrderFactory(member=member, created_at=shop_day_start(dt.date(2026, 6, 20)) + dt.timedelta(hours=23, minutes=30))
    lifecycle_recompute(as_of=AS_OF)
    assert stage_of(member) == "new"


def test_a_new_purchase_moves_the_member_back_to_active_and_is_recorded():
    # given a loyal member who became at risk
    member = buyer(3, 60)
    lifecycle_recompute(as_of=AS_OF)
    assert stage_of(member) == "at_risk"
    # when they buy again and the next day is computed
    OrderFactory(member=member, created_at=shop_day_start(AS_OF) + dt.timedelta(hours=15))
    lifecycle_recompute(as_of=AS_OF + dt.timedelta(days=1))
    # then
    assert stage_of(member) == "active"
    moves = list(StageTransition.objects.filter(member=member).order_by("occurred_on").values_list(
        "from_stage__slug", "to_stage__slug", "completed_orders", "days_since_last_purchase"))
    assert moves == [(None, "at_risk", 3, 60), ("at_risk", None, 4, 1)]


def test_a_member_whose_only_order_is_returned_goes_back_to_active():
    member = buyer(1, 30)
    lifecycle_recompute(as_of=AS_OF)
    member.orders.update(status="returned")
    lifecycle_recompute(as_of=AS_OF + dt.timedelta(days=1))
    assert stage_of(member) == "active"
    assert StageTransition.objects.filter(member=member, to_stage=None, completed_orders=0).exists()


def test_recompute_twice_the_same_day_records_each_transition_once():
    members = [buyer(1, 12), buyer(3, 60), buyer(2, 80)]
    first = lifecycle_recompute(as_of=AS_OF)
    second = lifecycle_recompute(as_of=AS_OF)
    assert first.moved == 3 and second.moved == 0
    assert StageTransition.objects.filter(member__in=members).count() == 3


def test_a_crash_half_way_loses_nothing_and_a_rerun_records_each_move_once(monkeypatch):
    # given members spread over three id ranges, and a recompute that dies in the second range
    members = [buyer(1, 12) for _ in range(6)]
    ranges = member_id_ranges(range_size=2)
    assert len(ranges) == 3
    import lifecycle.services as services

    real = services.lifecycle_recompute_range

    def crash_on_second(*, as_of, id_range):
        if id_range == ranges[1]:
            raise RuntimeError("worker died")
        return real(as_of=as_of, id_range=id_range)

    monkeypatch.setattr(services, "lifecycle_recompute_range", crash_on_second)
    with pytest.raises(RuntimeError):
        lifecycle_recompute(as_of=AS_OF, range_size=2)
    assert StageTransition.objects.count() == 2  # the first range committed, the second rolled back
    # when it runs again
    monkeypatch.setattr(services, "lifecycle_recompute_range", real)
    result = lifecycle_recompute(as_of=AS_OF, range_size=2)
    # then the rest is recorded and nothing twice
    assert result.moved == 4
    assert sorted(StageTransition.objects.values_list("member_id", flat=True)) == sorted(m.pk for m in members)


def test_same_day_rerun_after_threshold_edit_keeps_one_transition_per_member():
    member = buyer(1, 12)
    lifecycle_recompute(as_of=AS_OF)
    new = LifecycleStage.objects.get(slug="new")
    new.entry_day = 15
    new.save()
    lifecycle_recompute(as_of=AS_OF)  # back to active: the day's move is undone
    assert stage_of(member) == "active"
    assert not StageTransition.objects.filter(member=member).exists()
    new.entry_day = 11
    new.save()
    lifecycle_recompute(as_of=AS_OF)
    assert list(StageTransition.objects.filter(member=member).values_list("from_stage", "to_stage__slug")) == [(None, "new")]


def test_dry_run_counts_moves_for_unsaved_thresholds_and_writes_nothing():
    buyer(1, 12)
    buyer(1, 14)
    buyer(3, 30)
    lifecycle_recompute(as_of=AS_OF)
    new = LifecycleStage.objects.get(slug="new")
    new.entry_day = 13  # edited in the form, not saved
    moves = lifecycle_dry_run(as_of=AS_OF, overrides={new.pk: new})
    assert moves == {("new", "active"): 1}
    assert LifecycleStage.objects.get(slug="new").entry_day == 10
    assert MemberLifecycle.objects.filter(stage__slug="new").count() == 2


def test_command_prints_moves_and_accepts_as_of(capsys):
    buyer(3, 20)
    call_command("recompute_lifecycle", "--as-of", AS_OF.isoformat())
    out = capsys.readouterr().out
    assert "active → loyal" in out and "1 members moved" in out


def test_export_has_the_lifecycle_stage_column(tmp_path):
    loyal, active = buyer(3, 20), MemberFactory()
    lifecycle_recompute(as_of=AS_OF)
    path = tmp_path / "members.csv"
    call_command("export_members", "--output", str(path))
    import csv

    rows = {row["external_id"]: row["lifecycle_stage"] for row in csv.DictReader(path.open(encoding="utf-8"))}
    assert rows == {loyal.external_id: "loyal", active.external_id: "active"}


def test_recompute_is_set_based(django_assert_max_num_queries):
    for days in (12, 30, 60, 80, 120):
        buyer(1, days)
        buyer(3, days)
    with django_assert_max_num_queries(20):
        lifecycle_recompute(as_of=AS_OF)
    assert connection.vendor in {"sqlite", "postgresql"}
