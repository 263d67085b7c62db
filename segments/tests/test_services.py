
import pytest

from core.testing.parallel import errors_of, run_at_once
from customers.tests.factories import MemberFactory
from loyalty.services import member_merge
from loyalty.tests.factories import OrderFactory
from segments.models import DirtyMember, Segment, SegmentMembership, SegmentMembershipChange, SegmentSizeSnapshot
from segments.selectors import segment_members
from segments.services import (
    dirty_members_refresh, segment_refresh, segment_save_rules, segment_upload_static, segments_refresh_all,
)

WOMEN = {"type": "member_field", "field": "gender", "op": "eq", "value": "f"}
BUYERS = {"type": "stat", "field": "orders_count", "op": "gte", "value": 1}


def make_segment(slug, rules):
    segment = Segment.objects.create(slug=slug, name=slug.title())
    return segment_save_rules(segment=segment, rules=rules)


@pytest.mark.django_db
def test_refresh_records_who_entered_and_left_once_per_version():
    # given a segment filled by its first refresh
    segment = make_segment("women", WOMEN)
    anna, olga = MemberFactory(gender="f"), MemberFactory(gender="f")
    assert segment_refresh(segment=segment) == (2, 0)
    # when one leaves, one joins, and the refresh runs twice
    anna.gender = "m"
    anna.save()
    maria = MemberFactory(gender="f")
    assert segment_refresh(segment=segment) == (1, 1)
    assert segment_refresh(segment=segment) == (0, 0)
    # then
    assert set(segment_members("women")) == {olga, maria}
    changes = list(SegmentMembershipChange.objects.order_by("version", "kind", "member_id")
                   .values_list("version", "kind", "member_id"))
    assert changes == [(2, "entered", maria.pk), (2, "left", anna.pk)]
    assert list(SegmentSizeSnapshot.objects.order_by("taken_at").values_list("members", "entered", "left")) == [
        (2, 2, 0), (2, 1, 1), (2, 0, 0)]


@pytest.mark.django_db
def test_the_first_fill_of_a_segment_records_no_entries_so_entry_triggers_do_not_fire():
    # given members who match a new segment
    segment = make_segment("women-new", WOMEN)
    anna = MemberFactory(gender="f")
    # when it is materialised for the first time
    assert segment_refresh(segment=segment) == (1, 0)
    # then anna is a member, but nobody "entered": only later arrivals do
    assert list(segment_members("women-new")) == [anna]
    assert not SegmentMembershipChange.objects.exists()
    olga = MemberFactory(gender="f")
    segment_refresh(segment=segment)
    assert list(SegmentMembershipChange.objects.values_list("member_id", "kind")) == [(olga.pk, "entered")]


@pytest.mark.django_db
def test_a_dirty_member_refresh_leaves_a_never_filled_segment_to_the_full_refresh():
    # given a segment that was never refreshed and a member who matches it
    segment = make_segment("women-later", WOMEN)
    anna = MemberFactory(gender="f")
    # when only that member is re-evaluated
    assert segment_refresh(segment=segment, member_ids=[anna.pk]) == (0, 0)
    # then the segment is untouched, and the first full refresh fills it with everyone
    segment.refresh_from_db()
    assert (segment.version, SegmentMembership.objects.count()) == (0, 0)
    olga = MemberFactory(gender="f")
    assert segment_refresh(segment=segment) == (2, 0)
    assert set(segment_members("women-later")) == {anna, olga}


@pytest.mark.django_db
def test_a_new_order_marks_the_member_and_the_dirty_refresh_updates_only_them():
    # given buyers materialised
    make_segment("buyers", BUYERS)
    first, second = MemberFactory(), MemberFactory()
    segments_refresh_all()
    DirtyMember.objects.all().delete()
    assert SegmentMembership.objects.count() == 0
    # when one member buys
    OrderFactory(member=first)
    assert list(DirtyMember.objects.values_list("member_id", flat=True)) == [first.pk]
    # then the frequent task brings them in without a full sweep
    assert dirty_members_refresh() == 1
    assert list(segment_members("buyers")) == [first]
    assert not DirtyMember.objects.exists()
    assert SegmentMembershipChange.objects.get().member == first
    assert second.pk not in SegmentMembership.objects.values_list("member_id", flat=True)


@pytest.mark.django_db
def test_a_merge_queues_the_survivor_so_its_segments_follow_the_merged_orders():
    # given a buyer whose orders are on a duplicate card, and nobody queued
    make_segment("buyers", BUYERS)
    survivor, duplicate = MemberFactory(), MemberFactory()
    OrderFactory(member=duplicate)
    segments_refresh_all()
    DirtyMember.objects.all().delete()
    # when staff merge the card into the survivor
    member_merge(survivor=survivor, duplicate=duplicate, staff_user=None)
    # then the survivor is queued and the dirty refresh puts them in the segment
    assert list(DirtyMember.objects.values_list("member_id", flat=True)) == [survivor.pk]
    assert dirty_members_refresh() == 1
    assert list(segment_members("buyers")) == [survivor]


@pytest.mark.django_db
def test_static_segment_from_uploaded_ids_reports_unknown_ones():
    segment = Segment.objects.create(slug="vip", name="VIP", kind=Segment.Kind.STATIC)
    a, b = MemberFactory(external_id="A1"), MemberFactory(external_id="B2")
    result = segment_upload_static(segment=segment, csv_text="external_id\nA1\nB2\nZZ9\n")
    assert (result["members"], result["unknown"], result["entered"]) == (2, ["ZZ9"], 2)
    result = segment_upload_static(segment=segment, csv_text="B2\n")
    assert (result["entered"], result["left"]) == (0, 1)
    assert list(segment_members("vip")) == [b]
    assert a.pk not in SegmentMembership.objects.values_list("member_id", flat=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_leave_a_consistent_membership_and_record_each_change_once():
    # given a filled (empty) segment with members to add
    segment = make_segment("women-race", WOMEN)
    segment_refresh(segment=segment)
    women = [MemberFactory(gender="f") for _ in range(30)]

    # when four connections refresh it at the same moment
    outcomes = run_at_once(4, lambda _: segment_refresh(segment=segment))
    # then the refreshes queued on the segment row: one did the work, the others found nothing to do
    assert errors_of(outcomes) == []
    assert SegmentMembership.objects.filter(segment=segment).count() == 30
    assert SegmentMembershipChange.objects.filter(segment=segment).count() == 30
    assert sorted(SegmentMembershipChange.objects.values_list("member_id", flat=True)) == sorted(m.pk for m in women)
    segment.refresh_from_db()
    assert segment.version == 5 and segment.member_count == 30


@pytest.mark.django_db
def test_export_of_a_segment_has_its_members_and_rfm_columns(tmp_path):
    import csv

    from django.core.management import CommandError, call_command

    from segments.stats import member_stats_refresh

    segment = make_segment("buyers-export", BUYERS)
    buyer, _ = MemberFactory(), MemberFactory()
    OrderFactory(member=buyer)
    member_stats_refresh()
    segment_refresh(segment=segment)
    path = tmp_path / "segment.csv"
    call_command("export_members", "--segment", "buyers-export", "--output", str(path))
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [row["external_id"] for row in rows] == [buyer.external_id]
    assert rows[0]["rfm_code"] == "111" and rows[0]["rfm_segment"] == "Потерянные" and rows[0]["orders_count"] == "1"
    with pytest.raises(CommandError, match="Unknown segment 'nope'"):
        call_command("export_members", "--segment", "nope", "--output", str(path))


@pytest.mark.django_db
def test_deleting_a_member_through_django_deletes_their_memberships():
    # given a member in a segment (memberships carry no database-level foreign key)
    segment = make_segment("women-deleted", WOMEN)
    anna, olga = MemberFactory(gender="f"), MemberFactory(gender="f")
    segment_refresh(segment=segment)
    # when
    anna.delete()
    # then Django's cascade removed her row and the next refresh records nothing odd
    assert list(SegmentMembership.objects.values_list("member_id", flat=True)) == [olga.pk]
    assert segment_refresh(segment=segment) == (0, 0)
