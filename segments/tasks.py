from celery import shared_task

from . import services
from .models import Segment
from .stats import member_stats_refresh


@shared_task(acks_late=True)
def member_stats_refresh_task() -> int:
    return member_stats_refresh().written


@shared_task(acks_late=True)
def segment_refresh_task(segment_id: int) -> list[int]:
    """Refresh one segment; safe to run twice (the refresh is one transaction, serialised on the segment)."""
    segment = Segment.objects.filter(pk=segment_id, is_active=True).first()
    return list(services.segment_refresh(segment=segment)) if segment else [0, 0]


@shared_task(acks_late=True)
def segments_refresh_all() -> int:
    """The nightly sweep: one task per active dynamic segment, so that several workers refresh them at once."""
    segment_ids = list(Segment.objects.filter(is_active=True, kind=Segment.Kind.DYNAMIC).values_list("pk", flat=True))
    for segment_id in segment_ids:
        segment_refresh_task.delay(segment_id)
    return len(segment_ids)


@shared_task(acks_late=True)
def dirty_members_refresh() -> int:
    return services.dirty_members_refresh()
