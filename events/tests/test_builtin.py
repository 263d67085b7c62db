"""Built-in events the platform records about itself, once per cause."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import EngagementEvent
from customers.tests.factories import MemberFactory
from events.models import Event
from loyalty.services import points_award_bonus, points_redeem
from loyalty.services.orders import order_upsert

pytestmark = pytest.mark.django_db


def kinds(member):
    return sorted(Event.objects.filter(member=member).values_list("type__key", flat=True))


def complete_order(member, external_id="O-1", status="completed"):
    return order_upsert(source="shop", external_id=external_id, member=member, created_at=timezone.now(),
                        status=status, total=Decimal("1500.00"), currency="RUB", channel="web", lines=[])


def test_a_completed_order_is_recorded_once_however_often_it_is_sent():
    # given
    member = MemberFactory()
    # when: pending first, then completed, then the completed order re-sent
    complete_order(member, status="pending")
    complete_order(member)
    complete_order(member)
    # then
    orders = Event.objects.filter(member=member, type__key="order_completed")
    assert orders.count() == 1
    assert orders.get().properties["order"] == "O-1" and orders.get().properties["total"] == "1500.00"


def test_points_earned_and_spent_are_recorded_with_their_amounts():
    member = MemberFactory()
    points_award_bonus(member=member, points=500, reason="Welcome", cause_key="welcome")
    points_redeem(member=member, points=200, reason="Till", cause_key="till-1")
    points_redeem(member=member, points=200, reason="Till", cause_key="till-1")  # a retry spends (and records) nothing
    spent = Event.objects.filter(member=member, type__key="points_spent")
    assert spent.count() == 1 and spent.get().properties["points"] == 200
    assert Event.objects.get(member=member, type__key="points_earned").properties["points"] == 500


def test_message_opens_and_clicks_become_events():
    member = MemberFactory()
    EngagementEvent.objects.create(member=member, channel="email", kind="open", occurred_at=timezone.now(),
                                   message_ref="outbox-1")
    EngagementEvent.objects.create(member=member, channel="email", kind="click", occurred_at=timezone.now(),
                                   message_ref="outbox-1", url="https://shop.example/sale")
    EngagementEvent.objects.create(member=member, channel="email", kind="sent", occurred_at=timezone.now())
    assert kinds(member) == ["message_clicked", "message_opened"]


def test_segment_entries_and_exits_are_recorded_with_the_refresh():
    from segments.models import Segment
    from segments.services import segment_refresh

    # given: a filled segment of women
    woman, man = MemberFactory(gender="f"), MemberFactory(gender="m")
    segment = Segment.objects.create(slug="women", name="Women", kind=Segment.Kind.DYNAMIC, rules={
        "type": "group", "op": "and", "children": [{"type": "member_field", "field": "gender", "op": "eq", "value": "f"}]})
    segment_refresh(segment=segment)
    # when: one leaves, one enters
    woman.gender, man.gender = "m", "f"
    woman.save()
    man.save()
    segment_refresh(segment=segment)
    # then
    assert kinds(woman) == ["segment_left"] and kinds(man) == ["segment_entered"]
    assert Event.objects.get(member=man).properties["segment"] == "women"


def test_stage_changes_are_recorded_once_per_transition():
    from lifecycle.models import LifecycleStage, StageTransition
    from lifecycle.signals import stage_transitions_recorded

    member = MemberFactory()
    stage = LifecycleStage.objects.order_by("pk").first()
    day = dt.date(2026, 12, 1)
    StageTransition.objects.create(member=member, from_stage=None, to_stage=stage, occurred_on=day,
                                   completed_orders=1, days_since_last_purchase=10)
    for _ in range(2):  # the signal handled twice records the move once
        stage_transitions_recorded.send(sender=LifecycleStage, occurred_on=day, member_id_range=(member.pk, member.pk))
    event = Event.objects.get(member=member, type__key="stage_changed")
    assert event.properties == {"from_stage": "active", "to_stage": stage.slug, "day": "2026-12-01"}
