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


@shared_task(acks_late=True)
def event_campaign_enter_task(campaign_id: int, since: str, queued_key: str | None = None) -> int:
    """Queued when triggering events commit (countdown: the campaign's delay), `since` the oldest of their times:
    enter and plan now. `queued_key`: the request key that collapsed later batches into this task
    (services.event_enter_requests), released before anything is read."""
    from .models import Campaign, Trigger
    from .services.event_enter_requests import event_campaign_enter_request_taken
    from .services.event_triggers import event_campaign_enter

    event_campaign_enter_request_taken(queued_key)

    campaign = Campaign.objects.filter(pk=campaign_id, is_active=True, trigger=Trigger.EVENT).first()
    return event_campaign_enter(campaign=campaign, since=dt.datetime.fromisoformat(since)) if campaign else 0


@shared_task(acks_late=True)
def event_campaigns_sweep_task() -> dict:
    """Every minute: catch up on event campaigns whose queued task was lost (a broker outage, a restart)."""
    from .services.event_triggers import event_campaigns_sweep

    return event_campaigns_sweep()
