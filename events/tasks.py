from celery import shared_task


@shared_task(acks_late=True)
def event_partitions_task() -> dict:
    """Daily: create the coming months' partitions, drop those past EVENTS_RETENTION_MONTHS."""
    from .services.partitions import event_partitions_drop_expired, event_partitions_ensure

    ensured = event_partitions_ensure()
    return {"ensured": ensured, **event_partitions_drop_expired()}
