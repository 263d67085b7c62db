from celery import shared_task

from core.exceptions import DomainError

from .services import clv_fit


@shared_task(acks_late=True)
def clv_fit_nightly() -> int | None:
    """Refit the CLV models and rescore every member (after the 02:30 statistics refresh). Safe to run twice:
    the second run rewrites the same scores in one transaction."""
    try:
        return clv_fit().members
    except DomainError:  # a shop without completed orders yet
        return None
