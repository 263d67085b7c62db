"""Signed JWTs the push providers ask for, made once and reused until shortly before they lapse.

One cache per worker process, per credential; a lock makes threads share one token rather than each signing
(and, for FCM, each calling the token endpoint).
"""
import threading
import time
from collections.abc import Callable


class CachedToken:
    """A token with a life: `get()` returns the current one or makes a new one through `make()`.

    `make()` returns (token, seconds it is valid); the token is renewed `margin` seconds before that.
    """

    def __init__(self, make: Callable[[], tuple[str, float]], *, margin: float):
        self._make, self._margin = make, margin
        self._token, self._renew_at = "", 0.0
        self._lock = threading.Lock()

    def get(self) -> str:
        if self._token and time.monotonic() < self._renew_at:
            return self._token
        with self._lock:
            if not self._token or time.monotonic() >= self._renew_at:
                token, lifetime = self._make()
                self._token, self._renew_at = token, time.monotonic() + max(lifetime - self._margin, 0)
        return self._token

    def invalidate(self, token: str) -> None:
        """The provider refused `token` (expired early, keys rotated): the next get() makes a new one."""
        with self._lock:
            if self._token == token:
                self._token, self._renew_at = "", 0.0
