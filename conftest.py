"""Root fixtures shared by every app's tests."""
import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    # Tests that need real parallel connections or a real worker only make sense on PostgreSQL.
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords or "worker" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"
