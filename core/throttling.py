"""Per-API-key rate limit: N requests per second (the key's `rate_limit`, else API_KEY_RATE_LIMIT).

A sliding window estimated from two one-second counters in Django's cache (Redis in production):
the current second's count plus the previous second's, weighted by how much of it still overlaps the
window. `cache.add` + `cache.incr` are atomic on Redis and in local memory, so parallel requests on
several workers count correctly without a lock. Refused requests are a 429 with `Retry-After`.
"""
import math
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from .models import ApiKey


def api_key_rate_check(*, api_key: ApiKey, now: float | None = None) -> float | None:
    """Count one request for `api_key`; return None if allowed, else the seconds to wait."""
    cache = caches[settings.API_RATE_LIMIT_CACHE]
    now = time.time() if now is None else now
    second = int(now)
    # By the key's random prefix, not its id: ids can be reused (SQLite), prefixes are never shared.
    current_key = f"ratelimit:api-key:{api_key.prefix}:{second}"
    cache.add(current_key, 0, timeout=3)
    try:
        current = cache.incr(current_key)
    except ValueError:  # evicted between add and incr
        cache.add(current_key, 1, timeout=3)
        current = 1
    previous = cache.get(f"ratelimit:api-key:{api_key.prefix}:{second - 1}", 0)
    elapsed = now - second
    estimate = previous * (1 - elapsed) + current
    if estimate <= api_key.requests_per_second:
        return None
    # The previous second's weight fades linearly; the current one is counted until it ends.
    return max(1 - elapsed, 0.001)


class ApiKeyRateThrottle(BaseThrottle):
    """DRF throttle for views authenticated by ApiKeyAuthentication; other requests are not limited here."""

    def allow_request(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return True
        self._wait = api_key_rate_check(api_key=request.auth)
        return self._wait is None

    def wait(self):
        # Retry-After is whole seconds; DRF rounds this up.
        return math.ceil(self._wait) if self._wait else None
