"""The retailer's micro-segment, built from rules and checked against members each missing one condition."""
import datetime as dt
from decimal import Decimal

import pytest

from core.timezones import shop_day_start
from customers.tests.factories import AttributeDefinitionFactory, EngagementEventFactory, MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.selectors import rules_members
from segments.rules import CompileContext, rules_validate
from segments.stats import member_stats_refresh

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)

MICRO_SEGMENT = {"type": "group", "op": "and", "children": [
    {"type": "member_field", "field": "gender", "op": "eq", "value": "f"},
    {"type": "consent", "channel": "email"},
    {"type": "opened_emails", "within_days": 30, "min_count": 1},
    {"type": "stat", "field": "night_open_share", "op": "gte", "value": 0.5},
    {"type": "stat", "field": "purchases_per_month", "op": "between", "value": [0.8, 1.2]},
    {"type": "stat", "field": "avg_order_value", "op": "between", "value": [4000, 6000]},
    {"type": "attribute", "key": "has_children", "op": "eq", "value": True},
    {"type": "attribute", "key": "pets", "op": "is_set"},
    {"type": "federal_district", "districts": ["ЦФО"]},
    {"type": "stat", "field": "days_since_last_purchase", "op": "between", "value": [5, 9]},
]}


def reader(**overrides):
    """A member who matches every condition unless an override breaks one."""
    spec = {"gender": "f", "email_consent": True, "region": "ЦФО", "attributes": {"has_children": True, "pets": ["cat"]},
            "last_days_ago": 7, "order_total": Decimal("5000"), "gap_days": 30, "night_opens": 3, "day_opens": 1,
            "recent_open": True, **overrides}
    member = MemberFactory(gender=spec["gender"], email_consent=spec["email_consent"], region=spec["region"],
                           attributes=spec["attributes"], timezone="Europe/Moscow")
    last = shop_day_start(AS_OF - dt.timedelta(days=spec["last_days_ago"])) + dt.timedelta(hours=12)
    for n in range(7):  # seven purchases, one every gap_days
        OrderFactory(member=member, created_at=last - dt.timedelta(days=spec["gap_days"] * n), total=spec["order_total"])
    open_day = AS_OF - dt.timedelta(days=5 if spec["recent_open"] else 60)
    for n in range(spec["night_opens"]):  # 23:30 Moscow
        EngagementEventFactory(member=member, occurred_at=shop_day_start(open_day - dt.timedelta(days=n)) + dt.timedelta(hours=23, minutes=30))
    for n in range(spec["day_opens"]):  # 12:00 Moscow
        EngagementEventFactory(member=member, occurred_at=shop_day_start(open_day - dt.timedelta(days=n)) + dt.timedelta(hours=12))
    return member


def test_the_micro_segment_selects_exactly_the_matching_members():
    # given
    AttributeDefinitionFactory(key="has_children", type="bool")
    AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog"], multiple=True)
    matching = [reader(), reader(order_total=Decimal("4100"), last_days_ago=5), reader(gap_days=36, last_days_ago=9),
                reader(region="Московская обл."), reader(region="г. Москва")]  # regions of the district count
    misses_one = {
        "a man": reader(gender="m"),
        "no email consent": reader(email_consent=False),
        "no open in 30 days": reader(recent_open=False),
        "mostly daytime opens": reader(night_opens=1, day_opens=3),
        "buys every two weeks": reader(gap_days=14),
        "buys every two months": reader(gap_days=60),
        "small orders": reader(order_total=Decimal("2500")),
        "big orders": reader(order_total=Decimal("7000")),
        "no children": reader(attributes={"has_children": False, "pets": ["dog"]}),
        "no pets": reader(attributes={"has_children": True, "pets": []}),
        "pets unknown": reader(attributes={"has_children": True}),
        "lives in Siberia": reader(region="СФО"),
        "lives in Novosibirsk region": reader(region="Новосибирская область"),
        "bought 4 days ago": reader(last_days_ago=4),
        "bought 10 days ago": reader(last_days_ago=10),
    }
    member_stats_refresh(as_of=AS_OF)
    # when
    rules = rules_validate(MICRO_SEGMENT)
    selected = set(rules_members(rules, context=CompileContext(as_of=AS_OF)).values_list("pk", flat=True))
    # then
    assert selected == {m.pk for m in matching}, {
        reason for reason, m in misses_one.items() if m.pk in selected}
