from celery import shared_task


@shared_task
def ping(token: str) -> str:
    """A no-op that proves a worker consumes from the broker (used by operators and the worker fixture's test)."""
    return token


@shared_task
def idempotency_keys_purge() -> int:
    """Delete Idempotency-Key records past their 24 h (hourly, by beat); safe to run twice or in parallel."""
    from .idempotency import idempotency_keys_purge as purge

    return purge()
