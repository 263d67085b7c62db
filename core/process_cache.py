"""Rows that change rarely but are read on hot paths, kept per process for CONFIG_CACHE_SECONDS."""
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save


class ProcessCache:
    """What `loader()` returns, reloaded at most every CONFIG_CACHE_SECONDS (0 = on every call).

    A save or delete of one of `models` clears it at once in this process, and again when that transaction
    commits (a reader in between may have cached the old rows); other processes — gunicorn workers, Celery —
    see the change within the TTL. The cached value is swapped whole, so threads can share it.
    """

    def __init__(self, name: str, loader, *, models):
        self.loader = loader
        self._cached = None  # (monotonic expiry, value)
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}_{model.__name__}_save")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}_{model.__name__}_delete")

    def get(self):
        ttl = settings.CONFIG_CACHE_SECONDS
        now = time.monotonic()
        cached = self._cached
        if ttl > 0 and cached is not None and cached[0] > now:
            return cached[1]
        value = self.loader()
        if ttl > 0:
            self._cached = (now + ttl, value)
        return value

    def clear(self) -> None:
        self._cached = None

    def _changed(self, **kwargs):
        self.clear()
        transaction.on_commit(self.clear, using=kwargs.get("using"))
