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


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start real Celery workers on demand: `worker = celery_worker_process()`; all are stopped after the test.

    Needs PostgreSQL and a Redis broker (mark the test `worker`); purges the broker's queue first so
    messages from earlier tests cannot leak in.
    """
    from django.conf import settings

    from config.celery import app
    from core.testing.celery_worker import WorkerProcess

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://...")
    app.control.purge()
    started = []

    def start(**kwargs):
        worker = WorkerProcess(**kwargs).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
