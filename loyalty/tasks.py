from celery import shared_task

from . import services


@shared_task(acks_late=True)
def points_daily_task() -> dict:
    """Unlock pending points and expire lapsed lots; safe to run twice or after a crash (cause keys)."""
    return services.points_daily()


@shared_task(acks_late=True)
def tiers_review_task() -> dict:
    return services.tiers_review()
