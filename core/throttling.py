"""Per-API-key rate limit: N requests per second (the key's `rate_limit`, else API_KEY_RATE_LIMIT).

A sliding window estimated from two one-second counters in Django's cache (Redis in production):
the current second's count plus the previous second's, weighted by how much of it still overlaps the
window. Redis INCR (one pipelined round trip) and `cache.add` + `cache.incr` in local memory are
atomic, so parallel requests on several workers count correctly without a lock. Refused requests are a
429 with `Retry-After`.

`ClientScopedRateThrottle` is DRF's scoped throttle counted per client address, as `core.client_ip`
computes it (never from a header the client wrote itself).
"""
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from .client_ip import client_ip
from .models import ApiKey

COUNTER_SECONDS = 3  # a counter is read during its second and the next
# INCR (atomic; creates the counter), EXPIRE and GET of the previous second's counter, in one script call.
_COUNT = Script(None, f"""
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], {COUNTER_SECONDS})
return {{count, redis.call('GET', KEYS[2])}}
""".encode())  # bytes: the script's hash needs no client to encode it; the client is given per call


_clients = {}  # connection pool -> a client on it; redis-py clients are thread-safe (a connection per command)


def _primary_client(cache):
    """A client of the cache's primary server (write=True: a read could go to a replica that lags). Django's
    get_client() builds a new client on every call, with a copy of ~170 response callbacks: kept per pool."""
    pool = cache._cache._get_connection_pool(True)
    client = _clients.get(pool)
    if client is None:
        client = _clients[pool] = cache._cache._client(connection_pool=pool)
    return client


def _count(cache, current_key: str, previous_key: str) -> tuple[int, int]:
    """Add one to this second's counter; return it and the previous second's count.

    On Redis one round trip: EVALSHA of a three-command script (loaded once per server). A pipeline of the
    same commands is one round trip too, but redis-py builds each pipeline with a copy of its ~170 response
    callbacks; Django's own `add` + `incr` + `get` would cost four round
    trips (its `incr` checks EXISTS first).
    """
    if isinstance(cache, RedisCache):
        current, previous = cache.make_and_validate_key(current_key), cache.make_and_validate_key(previous_key)
        count, before = _COUNT(keys=[current, previous], client=_primary_client(cache))
        return int(count), int(before or 0)
    cache.add(current_key, 0, timeout=COUNTER_SECONDS)
    try:
        count = cache.incr(current_key)
    except ValueError:  # evicted between add and incr
        cache.add(current_key, 1, timeout=COUNTER_SECONDS)
        count = 1
    return count, cache.get(previous_key, 0)


def api_key_rate_check(*, api_key: ApiKey, now: float | None = None) -> float | None:
    """Count one request for `api_key`; return None if allowed, else the seconds to wait."""
    cache = caches[settings.API_RATE_LIMIT_CACHE]
    now = time.time() if now is None else now
    second = int(now)
    # By the key's random prefix, not its id: ids can be reused (SQLite), prefixes are never shared.
    current, previous = _count(cache, f"ratelimit:api-key:{api_key.prefix}:{second}",
                               f"ratelimit:api-key:{api_key.prefix}:{second - 1}")
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


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's `throttle_scope` rates, counted per client address (`core.client_ip.client_ip`)."""

    def get_ident(self, request):
        return client_ip(request)
