"""Stage names per language: the seeded stages are Russian in their columns, English in their translations
(lifecycle migration 0006), and every page reads them through str(stage) in the reader's language."""
import importlib

import pytest
from django.apps import apps
from django.utils.translation import override

from lifecycle.models import LifecycleStage
from lifecycle.selectors import stage_colours, stage_counts

pytestmark = pytest.mark.django_db
migration = importlib.import_module("lifecycle.migrations.0006_stage_translations")


def test_seeded_stages_read_in_each_language():
    at_risk = LifecycleStage.objects.get(slug="at_risk")
    assert (at_risk.name, at_risk.translations["en"]["name"]) == ("Под угрозой", "At risk")
    with override("en"):
        assert str(at_risk) == "At risk"
        assert ("active", "Active", 0) == stage_counts()[0]
        assert "At risk" in stage_colours()
    with override("ru"):
        assert str(at_risk) == "Под угрозой"
        assert stage_counts()[0][1] == "Активные"
        assert "Под угрозой" in stage_colours()


def test_the_migration_leaves_a_stage_staff_renamed():
    # given an older database: English seeded names, and a stage staff renamed
    for slug, (name_en, _ru, description_en, _dru) in migration.SEEDED.items():
        LifecycleStage.objects.filter(slug=slug).update(name=name_en, description=description_en, translations={})
    LifecycleStage.objects.filter(slug="lost").update(name="Ушедшие")
    # when the migration runs
    migration.names_in_russian(apps, None)
    # then the seeded names are Russian with English kept, and the renamed stage keeps its name
    new = LifecycleStage.objects.get(slug="new")
    assert (new.name, new.translations["en"]["name"]) == ("Новые", "New")
    assert new.description.startswith("Поблагодарить")
    lost = LifecycleStage.objects.get(slug="lost")
    assert lost.name == "Ушедшие" and lost.translations["en"] == {"description": migration.SEEDED["lost"][2]}
