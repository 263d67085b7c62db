from celery import shared_task


@shared_task
def ping(token: str) -> str:
    """A no-op that proves a worker consumes from the broker (used by operators and the worker fixture's test)."""
    return token
