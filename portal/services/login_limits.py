"""Limits per login (normalised email or phone), whatever address the attempts come from.

Each purpose (PORTAL_LOGIN_LIMITS: "sign_in" for passwords and codes typed in, "code" for codes and reset
links sent) counts attempts on a login in Django's cache (Redis in production):

- the first `free - 1` attempts pass at once;
- from the `free`-th on, each admitted attempt makes the next one wait `base_seconds`, then twice that, and
  so on (backoff);
- the attempt after `lock_after` locks the login for `lock_minutes`.

A refused attempt raises `TooManyAttempts` (429, `Retry-After`). The attempt is counted before the
password or code is checked, with an atomic increment, so parallel guesses get distinct numbers and cannot
slip in together before the first failure is recorded; a sign-in that succeeds resets the count. Unknown
logins are counted the same way, so the limit tells nothing about which logins exist. Logins are hashed in
the cache keys (no personal data in Redis).
"""
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _

from core.exceptions import TooManyAttempts

SIGN_IN = "sign_in"
CODE = "code"
DEFAULTS = {
    SIGN_IN: {"free": 3, "lock_after": 10, "base_seconds": 1, "lock_minutes": 15},
    CODE: {"free": 3, "lock_after": 6, "base_seconds": 30, "lock_minutes": 15},
}


def _clock() -> float:
    return time.time()


def _limit(purpose: str) -> dict:
    return {**DEFAULTS[purpose], **getattr(settings, "PORTAL_LOGIN_LIMITS", {}).get(purpose, {})}


def _keys(purpose: str, login_key: str) -> tuple[str, str, str]:
    digest = hashlib.sha256(f"{purpose}:{login_key}".encode()).hexdigest()[:32]
    return f"login-limit:{digest}:count", f"login-limit:{digest}:gate", f"login-limit:{digest}:lock"


def _cache():
    return caches[getattr(settings, "API_RATE_LIMIT_CACHE", "default")]


def _refusal(purpose: str, wait: float, locked: bool) -> TooManyAttempts:
    minutes = max(1, math.ceil(wait / 60))
    seconds = max(1, math.ceil(wait))
    if purpose == SIGN_IN:
        code = "login_locked"
        message = (_("Too many failed sign-ins for this login. Sign-in is locked for %(minutes)s min.")
                   % {"minutes": minutes} if locked else
                   _("Too many failed sign-ins for this login. Wait %(seconds)s s and try again.") % {"seconds": seconds})
    else:
        code = "too_many_code_requests"
        message = (_("Too many messages were requested for this login. Try again in %(minutes)s min.")
                   % {"minutes": minutes} if locked else
                   _("A message was sent to this login a moment ago. Wait %(seconds)s s before asking again.")
                   % {"seconds": seconds})
    return TooManyAttempts(message, code=code, retry_after=wait)


def _count(cache, key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired or evicted between add and incr
        cache.add(key, 1, timeout=timeout)
        count = 1
    cache.touch(key, timeout)  # the count lives until `lock_minutes` after the latest attempt
    return count


def _uncount(cache, key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:  # restarted or expired meanwhile: nothing to take back
        pass


def _through_gate(cache, key: str, now: float, delay: float) -> float | None:
    """Take the gate for `delay` seconds; None if taken, else the seconds until it opens.

    `add` is atomic, so of parallel attempts only one passes. The stored time, not only the cache's expiry,
    decides: an entry whose time has passed (expiry rounds up to whole seconds) is replaced.
    """
    timeout = math.ceil(delay) + 1
    if cache.add(key, now + delay, timeout=timeout):
        return None
    opens_at = cache.get(key)
    if opens_at is None or opens_at <= now:
        cache.set(key, now + delay, timeout=timeout)
        return None
    return opens_at - now


def login_attempt_admit(*, purpose: str, login_key: str, now: float | None = None) -> None:
    """Count one attempt on `login_key` for `purpose`; raise TooManyAttempts if it must wait or is locked."""
    limit, cache = _limit(purpose), _cache()
    now = _clock() if now is None else now
    count_key, gate_key, lock_key = _keys(purpose, login_key)
    lock_seconds = limit["lock_minutes"] * 60
    locked_until = cache.get(lock_key)
    if locked_until is not None and locked_until > now:
        raise _refusal(purpose, locked_until - now, locked=True)
    number = _count(cache, count_key, lock_seconds)
    if number > limit["lock_after"]:
        cache.set(lock_key, now + lock_seconds, timeout=lock_seconds)  # before the count restarts, see below
        cache.delete(count_key)  # the gate stays: an attempt numbered before the restart still meets it
        raise _refusal(purpose, lock_seconds, locked=True)
    # An attempt that passed the first look while a parallel one was locking the login counts on the fresh
    # count; the lock was written before that count restarted, so this second look sees it.
    locked_until = cache.get(lock_key)
    if locked_until is not None and locked_until > now:
        _uncount(cache, count_key)
        raise _refusal(purpose, locked_until - now, locked=True)
    if number >= limit["free"]:
        delay = min(limit["base_seconds"] * 2 ** (number - limit["free"]), lock_seconds)
        wait = _through_gate(cache, gate_key, now, delay)
        if wait is not None:
            _uncount(cache, count_key)  # a refused attempt checked nothing: it does not count
            raise _refusal(purpose, wait, locked=False)


def login_attempts_reset(*, purpose: str, login_key: str) -> None:
    """Forget the attempts on `login_key` (after a successful sign-in). A lock in force stays."""
    count_key, gate_key, _lock_key = _keys(purpose, login_key)
    _cache().delete_many([count_key, gate_key])
