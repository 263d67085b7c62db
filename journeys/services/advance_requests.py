"""Collapse the advance requests of one journey (a debounce): a stream of entries and watched events queues at most
one advance task per journey at a time, instead of one per batch for a worker to drain one by one under the
journey's row lock.

A request sets the journey's "queued" flag in the cache (`add`: atomic, on Redis across processes) and queues the
task only if it set it; the task clears the flag as it starts, before it reads anything, so whatever commits after
that start queues exactly one more advance, which runs after this one. The flag expires after QUEUED_SECONDS, so a
lost task (a broker outage, a flag set by another process's local-memory cache) delays an advance by at most that
long, and the per-minute sweep advances every journey anyway.
"""
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)
QUEUED_SECONDS = 10


def _queued_key(journey_id: int) -> str:
    return f"journeys:advance-queued:{int(journey_id)}"


def journey_advance_request(*, journey_id: int) -> bool:
    """Queue the journey's advance unless one is queued and not yet started. Returns whether a task was queued.
    Call it after the cause commits; a broker outage is logged, not raised."""
    if not cache.add(_queued_key(journey_id), 1, timeout=QUEUED_SECONDS):
        return False
    from ..tasks import journey_advance_task

    try:
        journey_advance_task.apply_async((journey_id,), retry=False)
    except Exception:  # the sweep advances it within a minute
        cache.delete(_queued_key(journey_id))
        logger.exception("journey_advance_queue_failed journey=%s", journey_id)
        return False
    return True


def journey_advance_request_taken(*, journey_id: int) -> None:
    """The advance task starts: requests from now on need another pass, so they queue one."""
    cache.delete(_queued_key(journey_id))
