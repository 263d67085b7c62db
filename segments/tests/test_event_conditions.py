"""Segment conditions on events: did / did not do X at least N times in D days with property filters; the
latest value of a property."""
import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from customers.models import Member
from customers.tests.factories import MemberFactory
from events.models import EventType
from events.tests.factories import event_types  # noqa: F401
from events.services import events_store
from events.services.store import EventRow
from segments.rules import compile_rules, rules_validate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]


def cart(member, n, value, days_ago, category="Дети"):
    event_type = EventType.objects.get(key="cart_updated")
    events_store(source="test", rows=[EventRow(
        event_id=f"{member.pk}-{n}", type_id=event_type.pk, member_id=member.pk,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        properties={"value": value, "category": category, "items": []})])


def members(rules):
    return set(Member.objects.filter(compile_rules(rules_validate(rules))).values_list("external_id", flat=True))


@pytest.fixture
def shoppers():
    # two big carts recently; one big cart; two small carts; two big carts but long ago; nothing
    twice, once, small, old, idle = (MemberFactory(external_id=x) for x in ("twice", "once", "small", "old", "idle"))
    cart(twice, 1, 3500, 1), cart(twice, 2, 4000, 3, category="Дом")
    cart(once, 1, 3000, 2)
    cart(small, 1, 500, 1), cart(small, 2, 900, 2)
    cart(old, 1, 5000, 40), cart(old, 2, 5000, 45)
    return twice, once, small, old, idle


def did(**extra):
    return {"type": "did_event", "event_type": "cart_updated", "within_days": 30, **extra}


def test_at_least_n_times_within_days_with_a_property_filter(shoppers):
    assert members(did(min_count=2, filters="value >= 3000")) == {"twice"}
    assert members(did(filters="value >= 3000")) == {"twice", "once"}
    assert members(did(min_count=2)) == {"twice", "small"}
    assert members(did(within_days=60, min_count=2, filters="value > 4500")) == {"old"}
    assert members(did(filters="value >= 3000; category = Дом")) == {"twice"}


def test_did_not_is_the_negation(shoppers):
    assert members({**did(filters="value >= 3000"), "negate": True}) == {"small", "old", "idle"}


def test_latest_value_of_a_property(shoppers):
    latest = {"type": "event_property_latest", "event_type": "cart_updated", "property": "value"}
    # twice's latest cart is the 3,500 one (a day ago), not the 4,000 one
    assert members({**latest, "op": "eq", "value": "3500"}) == {"twice"}
    assert members({**latest, "op": "gte", "value": "3000"}) == {"twice", "once", "old"}
    assert members({"type": "event_property_latest", "event_type": "cart_updated", "property": "category",
                    "op": "eq", "value": "Дом"}) == set()


def test_an_unreadable_filter_is_refused():
    with pytest.raises(DomainError):
        rules_validate(did(filters="value is big"))


def test_the_count_names_the_type_by_id_and_counts_members_not_event_ids(shoppers):
    # The (type, time) index includes the member, not the event's id: a join on the types table or count(id)
    # would make PostgreSQL read every event row of the window (bench/events_segment.py, BENCHMARKS.md).
    sql = str(Member.objects.filter(compile_rules(rules_validate(did(min_count=2)))).query)
    assert "events_eventtype" not in sql
    assert f'"type_id" = {EventType.objects.get(key="cart_updated").pk}' in sql.replace("U0.", "")
    assert 'COUNT(U0."member_id")' in sql and 'COUNT(U0."id")' not in sql
