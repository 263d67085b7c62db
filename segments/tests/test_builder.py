"""The builder as a marketer uses it: numbers as typed, values picked from their labels (a wrong one refused),
regions and federal districts from the reference, and the conditions added for issue 16."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from core.numbers import number_parse
from core.timezones import shop_day_start
from customers.tests.factories import AttributeDefinitionFactory, EngagementEventFactory, MemberFactory
from loyalty.tests.factories import OrderFactory, OrderLineFactory, ProductFactory
from segments.rules import CompileContext, rules_validate
from segments.rules.registry import RulesInvalid
from segments.rules.schema import builder_schema
from segments.selectors import rules_members
from segments.stats import member_stats_refresh

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def select(*leaves, op="and"):
    rules = rules_validate({"type": "group", "op": op, "children": list(leaves)})
    return set(rules_members(rules, context=CompileContext(as_of=AS_OF)).values_list("pk", flat=True))


def at(days_ago, hour=12, minute=0):
    return shop_day_start(AS_OF - dt.timedelta(days=days_ago)) + dt.timedelta(hours=hour, minutes=minute)


def problems_of(*leaves):
    with pytest.raises(RulesInvalid) as error:
        rules_validate({"type": "group", "op": "and", "children": list(leaves)})
    return error.value.problems


@pytest.mark.parametrize("typed, number", [
    ("5 000", "5000"), ("5\u00a0000", "5000"), ("5000,50", "5000.50"), ("5 000 ₽", "5000"), ("5\u202f000,5 руб.", "5000.5"),
    ("4999.99", "4999.99"), ("5 000 рублей", "5000"), ("5000р", "5000"), (" 70 % ", "70"), (5000, "5000"), (0.8, "0.8"),
])
def test_numbers_are_read_as_people_type_them(typed, number):
    assert number_parse(typed) == Decimal(number)


@pytest.mark.parametrize("typed", ["5 00", "5к", "1,2,3", "NaN", "", "5 000 000 0", True])
def test_what_is_not_one_number_is_refused(typed):
    with pytest.raises(ValueError):
        number_parse(typed)


def test_an_average_check_typed_with_a_space_and_a_rouble_sign_selects_like_the_plain_number():
    # given a buyer with a 5 000 ₽ check and one with 3 000 ₽
    big, small = MemberFactory(), MemberFactory()
    OrderFactory(member=big, total=Decimal("5000"), created_at=at(3))
    OrderFactory(member=small, total=Decimal("3000"), created_at=at(3))
    member_stats_refresh(as_of=AS_OF)
    # when the marketer types the bounds as Russians write them
    leaf = {"type": "stat", "field": "avg_order_value", "op": "between", "value": ["4 500", "5\u00a0500 ₽"]}
    # then they are stored as plain numbers and select the same members
    assert rules_validate(leaf)["value"] == ["4500", "5500"]
    assert select(leaf) == {big.pk}


def test_an_unreadable_number_is_reported_on_its_condition_only():
    problems = problems_of({"type": "member_field", "field": "gender", "op": "eq", "value": "f"},
                           {"type": "stat", "field": "avg_order_value", "op": "gte", "value": "пять тысяч"})
    assert problems == [("rules.children[1].value", "введите число, например 5 000 или 4 999,50")]


def test_every_wrong_condition_is_reported_at_once_with_its_place():
    with pytest.raises(RulesInvalid) as error:
        rules_validate({"type": "group", "op": "and", "children": [
            {"type": "stat", "field": "orders_count", "op": "gte", "value": "x"},
            {"type": "group", "op": "or", "children": [{"type": "age", "op": "gte", "value": ""}]}]})
    assert [path for path, _message in error.value.problems] == ["rules.children[0].value",
                                                                 "rules.children[1].children[0].value"]
    assert error.value.messages()[1] == "Условие 2.1: заполните это поле"


def test_a_known_value_must_be_one_of_its_choices():
    # given: gender typed as a word instead of picked
    assert problems_of({"type": "member_field", "field": "gender", "op": "eq", "value": "Female"}) == [
        ("rules.children[0].value", "нет среди предложенных значений: Female")]
    # and a choice attribute's value outside its options
    AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog"], multiple=True)
    assert problems_of({"type": "attribute", "key": "pets", "op": "contains", "value": ["parrot"]})[0][0] == \
        "rules.children[0].value"
    # then the picked values are accepted
    woman = MemberFactory(gender="f", attributes={"pets": ["cat"]})
    MemberFactory(gender="m", attributes={"pets": ["cat"]})
    assert select({"type": "member_field", "field": "gender", "op": "eq", "value": "f"},
                  {"type": "attribute", "key": "pets", "op": "contains", "value": ["cat"]}) == {woman.pk}


def test_a_yes_no_attribute_takes_the_switch_and_old_text_values():
    AttributeDefinitionFactory(key="has_children", type="bool")
    parent, _childless = MemberFactory(attributes={"has_children": True}), MemberFactory(attributes={"has_children": False})
    assert select({"type": "attribute", "key": "has_children", "op": "eq", "value": True}) == {parent.pk}
    assert rules_validate({"type": "attribute", "key": "has_children", "op": "eq", "value": "true"})["value"] is True
    assert problems_of({"type": "attribute", "key": "has_children", "op": "eq", "value": "yes please"})


def test_the_schema_offers_choices_in_words():
    AttributeDefinitionFactory(key="has_children", label="Есть дети", type="bool")
    leaves = {leaf["type"]: leaf for leaf in builder_schema()["leaves"]}
    assert ["f", "Женщина"] in leaves["member_field"]["values"]["gender"]["choices"]
    assert leaves["attribute"]["values"]["has_children"]["kind"] == "bool"
    assert ["has_children", "Есть дети"] in leaves["attribute"]["params"][0]["choices"]
    assert ["ЦФО", "Центральный федеральный округ (ЦФО)"] in leaves["federal_district"]["params"][0]["choices"]
    assert ["Москва", "Москва (ЦФО)"] in leaves["region"]["params"][0]["choices"]
    assert leaves["stat"]["values"]["avg_order_value"]["unit"] == "₽"
    assert leaves["bought_product"]["params"][0]["search_url"] == reverse("admin:segments_segment_lookup", args=["product"])


def test_regions_and_federal_districts_match_the_usual_spellings():
    # given members whose region was written in many ways
    moscow = [MemberFactory(region=r) for r in ("г. Москва", "Москва", "МОСКВА")]
    oblast = [MemberFactory(region=r) for r in ("Московская обл.", "Московская область")]
    cfo_only = MemberFactory(region="ЦФО")
    kazan = MemberFactory(region="Татарстан")
    MemberFactory(region="Новосибирская область")
    MemberFactory(region="")
    # then a region matches its spellings, and a district its regions and its own name
    assert select({"type": "region", "regions": ["Москва"]}) == {m.pk for m in moscow}
    assert select({"type": "region", "regions": ["Республика Татарстан", "Московская область"]}) == \
        {kazan.pk, *(m.pk for m in oblast)}
    assert select({"type": "federal_district", "districts": ["ЦФО"]}) == {cfo_only.pk, *(m.pk for m in moscow + oblast)}
    assert select({"type": "federal_district", "districts": ["ПФО"]}) == {kazan.pk}
    assert problems_of({"type": "region", "regions": ["Нарния"]})


def test_clicked_emails_in_the_window():
    clicker, old_clicker, opener = MemberFactory(), MemberFactory(), MemberFactory()
    EngagementEventFactory(member=clicker, kind="click", occurred_at=at(3))
    EngagementEventFactory(member=old_clicker, kind="click", occurred_at=at(40))
    EngagementEventFactory(member=opener, kind="open", occurred_at=at(3))
    assert select({"type": "clicked_emails", "within_days": 30, "min_count": 1}) == {clicker.pk}
    EngagementEventFactory(member=clicker, kind="click", occurred_at=at(5))
    assert select({"type": "clicked_emails", "within_days": "30", "min_count": "2"}) == {clicker.pk}


def test_contacted_fewer_than_n_times_counts_sends_in_the_window():
    quiet, busy, sms_only, long_ago = MemberFactory(), MemberFactory(), MemberFactory(), MemberFactory()
    for days in (1, 2, 3):
        EngagementEventFactory(member=busy, kind="sent", occurred_at=at(days))
        EngagementEventFactory(member=sms_only, kind="sent", channel="sms", occurred_at=at(days))
        EngagementEventFactory(member=long_ago, kind="sent", occurred_at=at(30 + days))
    EngagementEventFactory(member=quiet, kind="sent", occurred_at=at(1))
    assert select({"type": "contacted", "max_count": 3, "within_days": 7}) == {quiet.pk, long_ago.pk}
    assert select({"type": "contacted", "max_count": 3, "within_days": 7, "channel": "email"}) == \
        {quiet.pk, long_ago.pk, sms_only.pk}
    assert select({"type": "contacted", "max_count": 1, "within_days": 7}) == {long_ago.pk}


def test_bought_a_product_or_a_brand():
    cream = ProductFactory(sku="CREAM-1", name="Крем", brand="Natura")
    soap = ProductFactory(sku="SOAP-1", name="Мыло", brand="Natura")
    toy = ProductFactory(sku="TOY-1", name="Мяч", brand="Lego")
    cream_buyer, soap_buyer, toy_buyer, returned = MemberFactory(), MemberFactory(), MemberFactory(), MemberFactory()
    OrderLineFactory(order=OrderFactory(member=cream_buyer, created_at=at(5)), product=cream)
    OrderLineFactory(order=OrderFactory(member=soap_buyer, created_at=at(5)), product=soap)
    OrderLineFactory(order=OrderFactory(member=toy_buyer, created_at=at(5)), product=toy)
    OrderLineFactory(order=OrderFactory(member=returned, created_at=at(5), status="returned"), product=cream)
    assert select({"type": "bought_product", "products": ["CREAM-1"], "within_days": 30}) == {cream_buyer.pk}
    assert select({"type": "bought_brand", "brands": ["Natura"], "within_days": 30}) == {cream_buyer.pk, soap_buyer.pk}
    assert problems_of({"type": "bought_product", "products": ["NOPE"], "within_days": 30}) == [
        ("rules.children[0].products", "нет среди предложенных значений: NOPE")]


def test_the_night_window_hours_are_parameters():
    # given one open at 22:30 and one at 01:30 Moscow time, and one at 02:30 Novosibirsk time (22:30 Moscow)
    late, small_hours = MemberFactory(timezone="Europe/Moscow"), MemberFactory(timezone="Europe/Moscow")
    novosibirsk = MemberFactory(timezone="Asia/Novosibirsk")
    EngagementEventFactory(member=late, occurred_at=at(3, 22, 30))
    EngagementEventFactory(member=small_hours, occurred_at=at(3, 25, 30))
    EngagementEventFactory(member=novosibirsk, occurred_at=at(3, 22, 30))
    window = {"type": "opened_emails", "within_days": 30, "min_count": 1, "night_only": True}
    # then the default window is 23:00-05:00, and 22:00-02:00 takes in the late evening
    assert select(window) == {small_hours.pk, novosibirsk.pk}
    assert select({**window, "from_hour": 22, "to_hour": 2}) == {late.pk, small_hours.pk}
    assert select({**window, "from_hour": 1, "to_hour": 3}) == {small_hours.pk, novosibirsk.pk}
    assert problems_of({**window, "from_hour": 24})
    assert problems_of({**window, "from_hour": 4, "to_hour": 4})


def test_product_and_brand_lookup_for_staff_only(admin_client, client):
    ProductFactory(sku="CREAM-1", name="Крем для рук", brand="Natura")
    ProductFactory(sku="SOAP-1", name="Мыло", brand="Natura Siberica")
    url = reverse("admin:segments_segment_lookup", args=["product"])
    assert admin_client.get(url, {"q": "крем"}).json() == {"results": [{"value": "CREAM-1", "label": "Крем для рук (CREAM-1)"}]}
    assert admin_client.get(url, {"q": "soap"}).json()["results"][0]["value"] == "SOAP-1"
    assert admin_client.get(url, {"values": "SOAP-1\nNOPE"}).json()["results"] == [
        {"value": "SOAP-1", "label": "Мыло (SOAP-1)"}]
    brands = admin_client.get(reverse("admin:segments_segment_lookup", args=["brand"]), {"q": "natura"}).json()
    assert [r["value"] for r in brands["results"]] == ["Natura", "Natura Siberica"]
    assert admin_client.get(reverse("admin:segments_segment_lookup", args=["password"])).status_code == 404
    assert client.get(url, {"q": "крем"}).status_code == 302  # to the sign-in page


def test_the_preview_marks_the_condition_whose_number_is_wrong(admin_client):
    rules = {"type": "group", "op": "and", "children": [{"type": "age", "op": "gte", "value": "тридцать"}]}
    response = admin_client.post(reverse("admin:segments_segment_preview"), json.dumps(rules),
                                 content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["problems"] == [
        {"path": "rules.children[0].value", "message": "введите число, например 5 000 или 4 999,50"}]
    MemberFactory(birth_date=dt.date(1980, 1, 1))
    rules["children"][0]["value"] = "30"
    assert admin_client.post(reverse("admin:segments_segment_preview"), json.dumps(rules),
                             content_type="application/json").json()["count_text"] == "1 участник"


def test_the_builder_names_regions_the_reference_does_not_know():
    # given two members from "Мск" and one from a place the reference cannot read, besides known spellings
    for region in ("Мск", "Мск", "Луна", "г. Москва", "ЦФО", ""):
        MemberFactory(region=region)
    # when the builder is drawn
    leaves = {leaf["type"]: leaf for leaf in builder_schema()["leaves"]}
    # then the region conditions say who they cannot count, and why
    note = "У 3 участников регион, которого нет в справочнике, и условия на регион и округ их не учитывают: «Мск» (2), «Луна» (1)."
    assert leaves["federal_district"]["note"] == note and leaves["region"]["note"] == note


def test_every_condition_its_group_parameters_and_units_read_in_russian():
    # given the builder's schema as a Russian-speaking marketer gets it
    import re

    from django.utils import translation

    with translation.override("ru"):
        schema = builder_schema()
    # then every word staff read is Russian (a name with Latin letters only counts when it has Cyrillic too:
    # RFM-сегмент, value >= 3000 as an example); signs such as ₽ and % have no words
    def english(text):
        return re.search(r"[A-Za-z]{2,}", text) and not re.search(r"[А-Яа-яЁё]", text)

    untranslated = [(leaf["type"], text) for leaf in schema["leaves"]
                    for text in [leaf["label"], leaf["group"], *(p["label"] for p in leaf["params"]),
                                 *(p["unit"] for p in leaf["params"])] if english(text)]
    untranslated += [(key, text) for key, text in {**schema["texts"], **schema["operator_labels"]}.items()
                     if english(text)]
    assert untranslated == []
