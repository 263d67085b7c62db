import pytest

from .factories import seed_event_types


@pytest.fixture(autouse=True)
def _seeded_event_types(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        seed_event_types()
