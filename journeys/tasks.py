from celery import shared_task


@shared_task(acks_late=True)
def journey_advance_task(journey_id: int) -> int:
    """Queued on commit when members enter a journey or events it waits for arrive (at most one queued per
    journey): advance it now."""
    from .services.advance_requests import journey_advance_request_taken
    from .services.engine import journey_advance

    journey_advance_request_taken(journey_id=journey_id)
    return journey_advance(journey_id=journey_id).moved


@shared_task(acks_late=True)
def journeys_advance_task() -> dict:
    """Every minute: advance every active journey (wait timeouts, and anything a lost kick missed)."""
    from .services.engine import journeys_advance_all

    return {pk: result.moved for pk, result in journeys_advance_all().items()}
