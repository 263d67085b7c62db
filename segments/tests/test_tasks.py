import pytest

from customers.tests.factories import MemberFactory
from segments import tasks
from segments.models import Segment, SegmentMembership

pytestmark = pytest.mark.django_db
WOMEN = {"type": "group", "op": "and", "children": [{"type": "member_field", "field": "gender", "op": "eq", "value": "f"}]}


def test_the_nightly_sweep_queues_one_refresh_per_active_dynamic_segment(monkeypatch):
    # given two active dynamic segments, an inactive one and a static one
    first = Segment.objects.create(slug="a", name="A", rules=WOMEN)
    second = Segment.objects.create(slug="b", name="B", rules=WOMEN)
    Segment.objects.create(slug="off", name="Off", rules=WOMEN, is_active=False)
    Segment.objects.create(slug="list", name="List", kind=Segment.Kind.STATIC)
    queued = []
    monkeypatch.setattr(tasks.segment_refresh_task, "delay", queued.append)
    # when
    assert tasks.segments_refresh_all() == 2
    # then each is its own task, so workers can run them side by side
    assert sorted(queued) == sorted([first.pk, second.pk])


def test_a_queued_segment_refresh_fills_the_segment_and_a_redelivery_changes_nothing():
    segment = Segment.objects.create(slug="women", name="Women", rules=WOMEN)
    anna = MemberFactory(gender="f")
    MemberFactory(gender="m")
    assert tasks.segment_refresh_task(segment.pk) == [1, 0]
    assert tasks.segment_refresh_task(segment.pk) == [0, 0]
    assert list(SegmentMembership.objects.values_list("member_id", flat=True)) == [anna.pk]
