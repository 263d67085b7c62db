"""One beat at a time: django-celery-beat's scheduler behind a Redis lock.

A second `celery beat` started by mistake (a second host, a redeploy that overlaps the old one) would
otherwise send every scheduled task twice. With `SingleBeatScheduler` only the beat holding the lock sends;
another one stands by, asking for the lock on every tick, and takes over within BEAT_LOCK_SECONDS when the
holder stops (at once when it stops cleanly and lets the lock go). The holder writes each task's last run to
the database as soon as it sends it, and a beat that takes over reads the schedule from the database again,
so a hand-over sends nothing that was already sent.

The lock lives in BEAT_LOCK_URL, or the broker's Redis. Without Redis (`make run`'s filesystem broker, one
embedded beat) there is nothing to lock and the scheduler behaves as django-celery-beat's own.
"""
import logging

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


def beat_lock_url() -> str:
    url = settings.BEAT_LOCK_URL or settings.CELERY_BROKER_URL
    return url if url.startswith(("redis://", "rediss://", "unix://")) else ""


class BeatLock:
    """A Redis lock a beat holds while it sends; `hold()` keeps it (or takes it when free) on every tick."""

    def __init__(self, url: str, *, name: str, seconds: int):
        self._lock = redis.Redis.from_url(url).lock(name, timeout=seconds, thread_local=False)
        self.held = False
        self.taken = False  # the last hold() took the lock (rather than kept it)

    def hold(self) -> bool:
        """Keep the lock, or take it if it is free; whether this process holds it now."""
        self.taken = False
        try:
            if self.held:
                try:
                    self._lock.reacquire()  # back to the full timeout
                    return True
                except redis.exceptions.LockNotOwnedError:
                    self.held = False
                    logger.warning("beat_lock_lost name=%s", self._lock.name)
            self.held = self.taken = bool(self._lock.acquire(blocking=False))
        except redis.RedisError:
            # Redis down: send nothing rather than risk sending twice (the broker is usually that Redis anyway).
            logger.warning("beat_lock_unavailable name=%s", self._lock.name, exc_info=True)
            self.held = False
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            self._lock.release()
        except redis.RedisError:  # expired or unreachable: the other beat takes over after the timeout anyway
            logger.warning("beat_lock_release_failed name=%s", self._lock.name, exc_info=True)


class SingleBeatScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs):
        url = beat_lock_url()
        self.beat_lock = (
            BeatLock(url, name=settings.BEAT_LOCK_NAME, seconds=settings.BEAT_LOCK_SECONDS) if url else None
        )
        super().__init__(*args, **kwargs)
        # Each sent task's last run is in the database at once, for a beat that takes over to read.
        self.sync_every_tasks = 1
        if self.beat_lock is None:
            logger.info("beat_lock_disabled reason=no_redis")

    def tick(self, *args, **kwargs):
        if self.beat_lock is None:
            return super().tick(*args, **kwargs)
        standby_wait = min(self.max_interval, settings.BEAT_LOCK_SECONDS / 3)
        if not self.beat_lock.hold():
            return standby_wait
        if self.beat_lock.taken:
            logger.info("beat_lock_taken name=%s", settings.BEAT_LOCK_NAME)
            # Another beat may have sent tasks since this one last read the schedule: read it again.
            self._initial_read = True
            self._heap = None
        # Come back before the lock runs out, however long the next task is away.
        return min(super().tick(*args, **kwargs), standby_wait)

    def reserve(self, entry):
        # DatabaseScheduler leaves the old entry in the schedule; after a re-read from the database in between,
        # sync() then writes that entry's old last run back over the one just sent, and the task runs again.
        new_entry = super().reserve(entry)
        if self._schedule is not None:
            self._schedule[new_entry.name] = new_entry
        return new_entry

    def close(self):
        try:
            super().close()
        finally:
            if self.beat_lock is not None:
                self.beat_lock.release()
