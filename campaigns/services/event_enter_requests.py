"""Collapse the enter requests of one event campaign (a debounce): a stream of event batches queues at most one
enter task per campaign and due second, instead of one per accepted batch for a worker to drain one by one (the
journey bench waited 22 s behind 31 such tasks; each is set-based over everyone due, so one does the work of all).

A request sets a cache key for (campaign, the second its task is due) holding the oldest event time it covers
(`add`: atomic, on Redis across processes), and queues the task only if it set it. The task deletes the key as it
starts, before it reads any event, so a batch that finds the key still there commits before that read and is
covered; a batch that finds it gone queues a task of its own. A batch with events older than the queued task's
`since` queues its own too (rare: event times come from the shop). A lost task (a broker outage) leaves its key
until it expires; the per-minute sweep enters those members anyway.
"""
import datetime as dt
import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)
KEY_GRACE_SECONDS = 60  # the key outlives its task's countdown by this much, then expires


def _key(campaign_id: int, due_second: int) -> str:
    return f"campaigns:event-enter-queued:{int(campaign_id)}:{int(due_second)}"


def event_campaign_enter_request(*, campaign_id: int, since: dt.datetime, delay_seconds: int) -> bool:
    """Queue the campaign's enter task for events as old as `since`, unless one due in the same second is queued and
    not started. Returns whether a task was queued. Call it after the events commit; a broker outage is logged."""
    # A second past the delay, so the youngest event of the batch has passed it too.
    countdown = delay_seconds + 1 if delay_seconds else 0
    since_text = since.astimezone(dt.UTC).isoformat()
    key = _key(campaign_id, int(time.time()) + countdown)
    if not cache.add(key, since_text, timeout=countdown + KEY_GRACE_SECONDS):
        queued_since = cache.get(key)
        if queued_since is not None and queued_since <= since_text:
            return False  # the queued task has not read yet: it will see these events
        key = None  # it has started (or covers only younger events): this batch needs a task of its own
    from ..tasks import event_campaign_enter_task

    try:
        event_campaign_enter_task.apply_async((campaign_id, since_text, key), countdown=countdown, retry=False)
    except Exception:  # the per-minute sweep enters them
        if key:
            cache.delete(key)
        logger.exception("event_campaign_queue_failed campaign=%s", campaign_id)
        return False
    return True


def event_campaign_enter_request_taken(key: str | None) -> None:
    """The enter task starts: batches committed from now on are not covered by it, so they queue another."""
    if key:
        cache.delete(key)
