"""Advances racing on real parallel connections move each member once (PostgreSQL)."""
import pytest
from django.db.models import Count

from campaigns.models import OutboxMessage
from core.testing.parallel import errors_of, run_at_once
from customers.tests.factories import MemberFactory
from events.tests.factories import event_types  # noqa: F401

from ..models import JourneyMember, JourneyVisit, MemberStatus, NodeKind, SplitAssignment
from ..services.engine import _Advance, journey_advance
from .factories import action, enter, journey_create, node, variant, wire


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("event_types")
def test_eight_advances_at_once_move_every_member_once_and_send_once():
    # given: message → branch purchased? → exit / split A/B of two messages, and 30 members who entered
    journey = journey_create()
    first = action(journey, 0, "Первое")
    branch = node(journey, 1, NodeKind.BRANCH, condition="purchased")
    done = node(journey, 2, NodeKind.EXIT)
    split = node(journey, 3, NodeKind.SPLIT)
    a, b = action(journey, 4, "A"), action(journey, 5, "B")
    variant(split, "A", a), variant(split, "B", b)
    wire(first, branch), wire(branch, done, split)
    people = [MemberFactory(email_consent=True) for _ in range(30)]
    enter(journey, people)
    # when eight connections advance the journey at the same moment
    outcomes = run_at_once(8, lambda i: journey_advance(journey_id=journey.pk))
    # then nothing failed, everybody was entered and moved once, and each got one first message and one variant's
    assert errors_of(outcomes) == []
    assert sum(o.entered for o in outcomes) == 30
    assert sum(o.planned for o in outcomes) == 60
    assert JourneyMember.objects.filter(status=MemberStatus.DONE).count() == 30
    assert not JourneyVisit.objects.values("journey_member", "node").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert OutboxMessage.objects.filter(campaign_step=first.step).count() == 30
    per_member = OutboxMessage.objects.values("member").annotate(n=Count("id"))
    assert {row["n"] for row in per_member} == {2} and len(per_member) == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("event_types")
def test_a_chunked_advance_killed_half_way_keeps_the_chunks_done_and_the_next_enters_the_rest_once(monkeypatch):
    # given a split of two messages and 25 members who entered
    journey = journey_create()
    split = node(journey, 0, NodeKind.SPLIT)
    a, b = action(journey, 1, "A"), action(journey, 2, "B")
    variant(split, "A", a), variant(split, "B", b)
    enter(journey, [MemberFactory(email_consent=True) for _ in range(25)])
    # when the advance dies in its third chunk (a worker killed mid-transaction)
    real_run, passes = _Advance.run, []

    def dying_run(self):
        passes.append(self)
        if len(passes) == 3:
            raise SystemExit("killed")
        return real_run(self)
    monkeypatch.setattr(_Advance, "run", dying_run)
    with pytest.raises(SystemExit):
        journey_advance(journey_id=journey.pk, entry_chunk=5)
    # then the two chunks before it stay done
    assert JourneyMember.objects.count() == 10 and OutboxMessage.objects.count() == 10
    # when the task runs again, twice, on parallel connections
    monkeypatch.setattr(_Advance, "run", real_run)
    outcomes = run_at_once(2, lambda i: journey_advance(journey_id=journey.pk, entry_chunk=5))
    # then everyone is in once, with one variant and one message
    assert errors_of(outcomes) == []
    assert sum(o.entered for o in outcomes) == 15
    assert JourneyMember.objects.count() == 25 and SplitAssignment.objects.count() == 25
    assert not JourneyMember.objects.values("entry").annotate(n=Count("id")).filter(n__gt=1).exists()
    per_member = OutboxMessage.objects.values("member").annotate(n=Count("id"))
    assert len(per_member) == 25 and {row["n"] for row in per_member} == {1}
