"""RFM segment names per language: the seeded map is Russian in its column (what statistics and rules store)
and English in its translations; migration 0009 moved existing databases over, statistics and rules with it."""
import importlib

import pytest
from django.apps import apps
from django.utils.translation import override

from customers.tests.factories import MemberFactory
from segments.models import MemberStats, RfmSegmentRule, Segment
from segments.rules.leaves import _rfm_names
from segments.selectors import rfm_segment_labels

pytestmark = pytest.mark.django_db
migration = importlib.import_module("segments.migrations.0009_rfm_rule_translations")


def test_the_seeded_map_is_russian_with_english_labels():
    # given the seeded rules
    champions = RfmSegmentRule.objects.get(name="Чемпионы")
    # then the stored name is Russian, and each language reads its own label
    assert champions.translations == {"en": {"name": "Champions"}}
    with override("en"):
        assert rfm_segment_labels()["Чемпионы"] == "Champions"
        assert ("Чемпионы", "Champions") in _rfm_names()
    with override("ru"):
        assert rfm_segment_labels()["Чемпионы"] == "Чемпионы"


def test_the_migration_renames_the_map_the_statistics_and_the_rules_of_an_older_database():
    # given a database from before: English names in the map, the statistics and a segment's nested rules
    for english, russian in migration.RUSSIAN.items():
        RfmSegmentRule.objects.filter(name=russian).update(name=english, translations={})
    RfmSegmentRule.objects.filter(name="Lost").update(name="Потеряшки")  # one staff renamed: left alone
    MemberStats.objects.create(member=MemberFactory(), rfm_segment="Champions")
    MemberStats.objects.create(member=MemberFactory(), rfm_segment="Potential loyalist")
    segment = Segment.objects.create(slug="best", name="Лучшие", rules={"type": "group", "op": "and", "children": [
        {"type": "group", "op": "or", "children": [{"type": "rfm_segment", "values": ["Champions", "Loyal"]}]},
        {"type": "stat", "field": "orders_count", "op": "gte", "value": 2}]})

    # when the migration runs
    migration.names_in_russian(apps, None)

    # then the map, the statistics and the rule carry the Russian names, English kept as the label
    assert RfmSegmentRule.objects.get(name="Чемпионы").translations == {"en": {"name": "Champions"}}
    assert RfmSegmentRule.objects.filter(name="Потеряшки").exists()
    assert sorted(MemberStats.objects.values_list("rfm_segment", flat=True)) == ["Потенциально лояльные", "Чемпионы"]
    segment.refresh_from_db()
    assert segment.rules["children"][0]["children"][0]["values"] == ["Чемпионы", "Лояльные"]
    assert segment.rules["children"][1]["value"] == 2

    # and running it backwards restores the English names everywhere
    migration.names_in_english(apps, None)
    segment.refresh_from_db()
    assert segment.rules["children"][0]["children"][0]["values"] == ["Champions", "Loyal"]
    assert sorted(MemberStats.objects.values_list("rfm_segment", flat=True)) == ["Champions", "Potential loyalist"]
