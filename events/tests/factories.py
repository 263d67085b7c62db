import importlib

import pytest


def seed_event_types():
    """The seeded event types again (a transactional test's flush empties every table, migrations' rows too)."""
    from django.apps import apps

    importlib.import_module("events.migrations.0002_builtin_types_and_schedule").seed(apps, None)
    importlib.import_module("events.migrations.0004_delivery_and_first_open_types").seed(apps, None)


@pytest.fixture
def event_types(db):
    seed_event_types()
