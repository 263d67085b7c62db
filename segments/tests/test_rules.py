"""One test per leaf type (each fails if its handler breaks), plus validation and cycles."""
import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import DomainError
from core.timezones import shop_day_start
from customers.tests.factories import AttributeDefinitionFactory, EngagementEventFactory, MemberFactory
from lifecycle.models import LifecycleStage, MemberLifecycle
from loyalty.models import MemberAccount, Tier
from loyalty.tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, ProductFactory
from segments.models import Segment
from segments.rules import CompileContext, rules_validate
from segments.selectors import rules_members
from segments.services import segment_save_rules
from segments.stats import member_stats_refresh

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def select(leaf):
    rules = rules_validate(leaf)
    return set(rules_members(rules, context=CompileContext(as_of=AS_OF)).values_list("pk", flat=True))


def at(days_ago, hour=12):
    return shop_day_start(AS_OF - dt.timedelta(days=days_ago)) + dt.timedelta(hours=hour)


def test_member_field_eq_ne_in():
    a, b, c = MemberFactory(city="Тула"), MemberFactory(city="Омск"), MemberFactory(city="Курск")
    assert select({"type": "member_field", "field": "city", "op": "eq", "value": "Тула"}) == {a.pk}
    assert select({"type": "member_field", "field": "city", "op": "ne", "value": "Тула"}) == {b.pk, c.pk}
    assert select({"type": "member_field", "field": "city", "op": "in", "value": ["Тула", "Курск"]}) == {a.pk, c.pk}


def test_age_counts_whole_years_on_the_as_of_day():
    turns_30_today = MemberFactory(birth_date=dt.date(1996, 6, 30))
    turns_30_tomorrow = MemberFactory(birth_date=dt.date(1996, 7, 1))
    MemberFactory(birth_date=None)
    assert select({"type": "age", "op": "gte", "value": 30}) == {turns_30_today.pk}
    assert select({"type": "age", "op": "between", "value": [25, 29]}) == {turns_30_tomorrow.pk}


def test_birthday_within_days_crosses_the_month():
    soon = MemberFactory(birth_date=dt.date(1990, 7, 3))
    today = MemberFactory(birth_date=dt.date(1985, 6, 30))
    MemberFactory(birth_date=dt.date(1990, 7, 20))
    assert select({"type": "birthday_within_days", "days": 7}) == {soon.pk, today.pk}


def test_attribute_leaves_by_type():
    AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog", "fish"], multiple=True)
    AttributeDefinitionFactory(key="kids", type="int")
    AttributeDefinitionFactory(key="size", type="choice", choices=["S", "M"])
    cat = MemberFactory(attributes={"pets": ["cat", "fish"], "kids": 2, "size": "S"})
    dog = MemberFactory(attributes={"pets": ["dog"], "kids": 0})
    none = MemberFactory(attributes={"pets": []})
    assert select({"type": "attribute", "key": "pets", "op": "contains", "value": ["cat"]}) == {cat.pk}
    assert select({"type": "attribute", "key": "pets", "op": "contains", "value": ["dog", "fish"]}) == {cat.pk, dog.pk}
    assert select({"type": "attribute", "key": "pets", "op": "is_set"}) == {cat.pk, dog.pk}
    assert select({"type": "attribute", "key": "kids", "op": "gte", "value": 1}) == {cat.pk}
    assert select({"type": "attribute", "key": "size", "op": "eq", "value": "S"}) == {cat.pk}
    assert none.pk not in select({"type": "attribute", "key": "kids", "op": "is_set"})


def test_stat_leaf_reads_member_statistics():
    big, small = MemberFactory(), MemberFactory()
    OrderFactory(member=big, total=Decimal("9000"), created_at=at(3))
    OrderFactory(member=small, total=Decimal("900"), created_at=at(40))
    member_stats_refresh(as_of=AS_OF)
    assert select({"type": "stat", "field": "total_spent", "op": "gt", "value": 5000}) == {big.pk}
    assert select({"type": "stat", "field": "days_since_last_purchase", "op": "gte", "value": 30}) == {small.pk}
    assert select({"type": "stat", "field": "days_since_last_purchase", "op": "eq", "value": 3}) == {big.pk}


def test_rfm_segment_leaf():
    buyers = [MemberFactory() for _ in range(5)]
    for i, member in enumerate(buyers):
        for n in range(i + 1):
            OrderFactory(member=member, created_at=at(50 - 10 * i), total=Decimal(100 * (i + 1)))
    member_stats_refresh(as_of=AS_OF)
    assert select({"type": "rfm_segment", "values": ["Чемпионы"]}) == {buyers[-1].pk}


def test_tier_and_lifecycle_stage_leaves():
    gold = Tier.objects.create(slug="gold", name="Gold", rank=3)
    in_gold, plain = MemberFactory(), MemberFactory()
    MemberAccount.objects.create(member=in_gold, tier=gold)
    loyal = LifecycleStage.objects.get(slug="loyal")
    MemberLifecycle.objects.create(member=in_gold, stage=loyal, entered_at=at(1))
    assert select({"type": "tier", "values": ["gold"]}) == {in_gold.pk}
    assert select({"type": "lifecycle_stage", "values": ["loyal"]}) == {in_gold.pk}
    assert select({"type": "lifecycle_stage", "values": ["active"]}) == {plain.pk}


def test_consent_leaf():
    yes, _ = MemberFactory(sms_consent=True), MemberFactory(sms_consent=False)
    assert select({"type": "consent", "channel": "sms"}) == {yes.pk}


def test_bought_in_category_within_days():
    pet_food = CategoryFactory(name="Pet food")
    kibble = ProductFactory(category=pet_food)
    recent, old, returned = MemberFactory(), MemberFactory(), MemberFactory()
    OrderLineFactory(order=OrderFactory(member=recent, created_at=at(59)), product=kibble)
    OrderLineFactory(order=OrderFactory(member=old, created_at=at(61)), product=kibble)
    OrderLineFactory(order=OrderFactory(member=returned, created_at=at(5), status="returned"), product=kibble)
    OrderLineFactory(order=OrderFactory(member=old, created_at=at(5)))  # another category
    assert select({"type": "bought_in_category", "categories": ["Pet food"], "within_days": 60}) == {recent.pk}


def test_bought_in_category_includes_its_subcategories():
    # given a towel filed under Дом/Текстиль/Полотенца, and pet food in the root "Домашние животные"
    home = CategoryFactory(name="Дом")
    textile = CategoryFactory(name="Текстиль", parent=home)
    towel = ProductFactory(category=CategoryFactory(name="Полотенца", parent=textile))
    kibble = ProductFactory(category=CategoryFactory(name="Домашние животные"))
    towel_buyer, pet_owner = MemberFactory(), MemberFactory()
    OrderLineFactory(order=OrderFactory(member=towel_buyer, created_at=at(5)), product=towel)
    OrderLineFactory(order=OrderFactory(member=pet_owner, created_at=at(5)), product=kibble)
    # when / then the condition counts at any level of the tree, and never by a shared name prefix
    for path in ["Дом", "Дом/Текстиль", "Дом/Текстиль/Полотенца"]:
        assert select({"type": "bought_in_category", "categories": [path], "within_days": 30}) == {towel_buyer.pk}
    assert select({"type": "bought_in_category", "categories": ["Домашние животные"], "within_days": 30}) == {pet_owner.pk}


def test_spent_in_window():
    rich, poor, silent = MemberFactory(), MemberFactory(), MemberFactory()
    OrderFactory(member=rich, total=Decimal("3000"), created_at=at(10))
    OrderFactory(member=rich, total=Decimal("2500"), created_at=at(20))
    OrderFactory(member=rich, total=Decimal("9000"), created_at=at(45))  # outside 30 days
    OrderFactory(member=poor, total=Decimal("4999"), created_at=at(10))
    assert select({"type": "spent_in_window", "within_days": 30, "op": "gte", "value": 5000}) == {rich.pk}
    assert select({"type": "spent_in_window", "within_days": 30, "op": "lte", "value": 5000}) == {poor.pk, silent.pk}


def test_opened_emails_after_23_in_the_members_zone():
    # given three opens at 23:30 local in the last 90 days for a Vladivostok member, and daytime opens for another
    night = MemberFactory(timezone="Asia/Vladivostok")
    day = MemberFactory(timezone="Europe/Moscow")
    for n in range(3):
        EngagementEventFactory(member=night, occurred_at=dt.datetime(2026, 6, 10 + n, 13, 30, tzinfo=dt.timezone.utc))
        EngagementEventFactory(member=day, occurred_at=dt.datetime(2026, 6, 10 + n, 13, 30, tzinfo=dt.timezone.utc))
    leaf = {"type": "opened_emails", "within_days": 90, "min_count": 3, "night_only": True}
    assert select(leaf) == {night.pk}
    assert select({**leaf, "night_only": False}) == {night.pk, day.pk}
    assert select({**leaf, "min_count": 4, "night_only": False}) == set()


def test_in_segment_and_negation_and_or_groups():
    women = Segment.objects.create(slug="women", name="Women")
    segment_save_rules(segment=women, rules={"type": "member_field", "field": "gender", "op": "eq", "value": "f"})
    woman_cfo, woman, man_cfo = (MemberFactory(gender="f", region="ЦФО"), MemberFactory(gender="f", region="УФО"),
                                 MemberFactory(gender="m", region="ЦФО"))
    in_women = {"type": "in_segment", "segment": "women"}
    assert select(in_women) == {woman_cfo.pk, woman.pk}
    assert select({**in_women, "negate": True}) == {man_cfo.pk}
    either = {"type": "group", "op": "or", "children": [
        {"type": "group", "op": "and", "children": [in_women, {"type": "federal_district", "districts": ["УФО"]}]},
        {"type": "member_field", "field": "gender", "op": "eq", "value": "m"}]}
    assert select(either) == {woman.pk, man_cfo.pk}


def test_cycles_through_segment_references_are_rejected():
    a = Segment.objects.create(slug="a", name="A")
    b = Segment.objects.create(slug="b", name="B")
    segment_save_rules(segment=a, rules={"type": "in_segment", "segment": "b"})
    with pytest.raises(DomainError) as error:
        segment_save_rules(segment=b, rules={"type": "group", "op": "and", "children": [{"type": "in_segment", "segment": "a"}]})
    assert "refers back" in error.value.fields["rules"][0]
    with pytest.raises(DomainError):
        segment_save_rules(segment=a, rules={"type": "in_segment", "segment": "a"})


@pytest.mark.parametrize("bad, message", [
    ({"type": "shoe_size"}, "неизвестное условие"),
    ({"type": "member_field", "field": "password", "op": "eq", "value": "x"}, "нет среди предложенных значений"),
    ({"type": "stat", "field": "orders_count", "op": "between", "value": [5, 1]}, "«от» больше, чем «до»"),
    ({"type": "stat", "field": "orders_count", "op": "gte", "value": "many"}, "введите число"),
    ({"type": "group", "op": "xor", "children": []}, "(И)"),
    ({"type": "opened_emails", "within_days": 0, "min_count": 1}, "целое число дней"),
])
def test_invalid_trees_are_rejected_with_the_path(bad, message):
    with pytest.raises(DomainError) as error:
        rules_validate({"type": "group", "op": "and", "children": [bad]})
    assert message in error.value.fields["rules"][0]
    assert error.value.fields["rules"][0].startswith("rules.children[0]")
