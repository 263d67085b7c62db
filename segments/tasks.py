from celery import shared_task

from . import services
from .stats import member_stats_refresh


@shared_task(acks_late=True)
def member_stats_refresh_task() -> int:
    return member_stats_refresh().written


@shared_task(acks_late=True)
def segments_refresh_all() -> int:
    return len(services.segments_refresh_all())


@shared_task(acks_late=True)
def dirty_members_refresh() -> int:
    return services.dirty_members_refresh()
