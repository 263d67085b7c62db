import importlib

import pytest
from django.apps import apps


@pytest.fixture
def default_stages():
    """The seeded stages, even after a transactional test flushed the tables the data migration filled."""
    seed_migration = importlib.import_module("lifecycle.migrations.0002_default_stages")
    seed_migration.seed(apps, None)
    importlib.import_module("lifecycle.migrations.0003_stage_position").number_the_path(apps, None)
