"""Per-API-key rate limit: counted atomically in the cache, answered with 429 and Retry-After."""
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from core.testing.parallel import errors_of, run_at_once
from core.tests.factories import ApiKeyFactory, auth_header
from core.throttling import api_key_rate_check

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.idempotency_urls")]


@pytest.fixture(autouse=True)
def empty_cache():
    caches["default"].clear()


def test_a_key_gets_its_own_limit_per_second_then_waits_for_the_window():
    # given a key allowed 5 requests per second
    key = ApiKeyFactory(rate_limit=5)
    # when 6 arrive at the start of one second
    answers = [api_key_rate_check(api_key=key, now=1000.0) for _ in range(6)]
    # then five pass and the sixth must wait for the rest of the second
    assert answers[:5] == [None] * 5 and answers[5] == pytest.approx(1.0)
    # and half a second into the next one the previous second still weighs half: 5 × 0.5 + 3 > 5
    assert [api_key_rate_check(api_key=key, now=1001.5) for _ in range(3)] == [None, None, pytest.approx(0.5)]


def test_keys_without_their_own_limit_use_the_setting_and_keys_do_not_share_counts():
    key, other = ApiKeyFactory(), ApiKeyFactory()
    with override_settings(API_KEY_RATE_LIMIT=2):
        assert [api_key_rate_check(api_key=key, now=50.0) is None for _ in range(3)] == [True, True, False]
        assert api_key_rate_check(api_key=other, now=50.0) is None


def test_over_the_limit_the_api_answers_429_with_retry_after(client):
    # given a key allowed 2 requests per second
    key = ApiKeyFactory(rate_limit=2)
    # when it sends three at once (bad input, so nothing is written either way)
    codes = [client.post("/test/members", {}, content_type="application/json", **auth_header(key)) for _ in range(3)]
    # then the third is refused with a JSON error and a whole number of seconds to wait
    assert [r.status_code for r in codes] == [400, 400, 429]
    assert codes[2].json()["error"]["code"] == "throttled"
    assert codes[2].headers["Retry-After"] == "1"


def _parallel_allowed(key, threads=40):
    outcomes = run_at_once(threads, lambda _: api_key_rate_check(api_key=key, now=2000.2))
    assert errors_of(outcomes) == []
    return outcomes.count(None)  # None: not throttled


def test_parallel_requests_are_counted_exactly_in_memory():
    assert _parallel_allowed(ApiKeyFactory(rate_limit=20)) == 20


def test_parallel_requests_are_counted_exactly_on_redis():
    # The production cache: a real Redis (the test broker's server), so add/incr are truly atomic across connections.
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://...")
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.CELERY_BROKER_URL,
                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    with override_settings(CACHES={"default": redis_cache}):
        assert caches["default"].__class__.__name__ == "RedisCache"
        assert _parallel_allowed(ApiKeyFactory(rate_limit=20)) == 20
