import pytest
from django.core.cache import cache

from campaigns.tests.conftest import _permissive_send_rules, locmem_channels, send_rules  # noqa: F401


@pytest.fixture(autouse=True)
def _no_queued_advances():
    """Advance requests are collapsed by a flag in the cache: none is left over from another test."""
    cache.clear()
