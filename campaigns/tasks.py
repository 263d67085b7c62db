import datetime as dt

from celery import shared_task


@shared_task(acks_late=True)
def outbox_send_due_task() -> int:
    """Beat tick (and nudge after commits): send what is due. Overlapping runs share the work safely."""
    from .services.outbox import outbox_send_due

    return outbox_send_due().handled


@shared_task(acks_late=True)
def campaigns_plan_due_task(day: str | None = None) -> dict:
    """Periodic sweep: stage transitions, segment entries, birthdays and replenishment into planned steps."""
    from .services.scheduling import campaigns_plan_due

    return campaigns_plan_due(day=dt.date.fromisoformat(day) if day else None)


@shared_task(acks_late=True)
def planned_actions_run_task() -> int:
    """Run due coupons, points, review requests, tasks and offers."""
    from .services.actions import planned_actions_run

    return sum(planned_actions_run().values())


@shared_task(acks_late=True)
def outbox_purge_task() -> dict:
    """Hourly: wipe marketing texts past their retention and secrets no message needs any more."""
    from dataclasses import asdict

    from .services.retention import outbox_purge

    return asdict(outbox_purge())
