from celery import shared_task


@shared_task(acks_late=True)
def outbox_send_due_task() -> int:
    """Beat tick (and nudge after commits): send what is due. Overlapping runs share the work safely."""
    from .services.outbox import outbox_send_due

    return outbox_send_due().handled
