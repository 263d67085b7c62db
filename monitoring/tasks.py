from celery import shared_task

from .services import heartbeat_record


@shared_task
def beat_heartbeat() -> None:
    """Scheduled by beat every BEAT_HEARTBEAT_SECONDS; /health/ready fails when its row grows too old."""
    heartbeat_record(name="beat")
