import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    # Sign-in code limits count per login in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()
