import datetime as dt

from celery import group, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .services import lifecycle_recompute_range, member_id_ranges


@shared_task(acks_late=True)
def lifecycle_recompute_all(as_of: str | None = None, range_size: int | None = None) -> int:
    """Beat entry point: fan the member-id ranges out to parallel workers. Returns the number of ranges."""
    from core.timezones import shop_today

    day = as_of or shop_today().isoformat()
    ranges = member_id_ranges(range_size)
    group(lifecycle_recompute_range_task.s(day, low, high) for low, high in ranges).apply_async()
    return len(ranges)


# A range that ran out of time would run out of time again: no retry after the soft time limit.
@shared_task(acks_late=True, autoretry_for=(Exception,), dont_autoretry_for=(SoftTimeLimitExceeded,),
             retry_backoff=True, max_retries=5)
def lifecycle_recompute_range_task(as_of: str, low: int, high: int) -> int:
    moves = lifecycle_recompute_range(as_of=dt.date.fromisoformat(as_of), id_range=(low, high))
    return sum(moves.values())
