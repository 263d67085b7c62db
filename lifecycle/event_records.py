"""`stage_changed` built-in events for each recorded stage transition (connected in LifecycleConfig.ready()).

The recompute sends `stage_transitions_recorded` after its range commits, so these are recorded right after,
set-based over the range's transitions; the event id is the transition's, so a signal handled twice records
nothing twice.
"""
import logging

from django.db import transaction

from events.services import events_record_rows

from .models import StageTransition
from .signals import stage_transitions_recorded

logger = logging.getLogger(__name__)


def on_stage_transitions(sender, occurred_on, member_id_range, **kwargs):
    low, high = member_id_range or (0, 2**62)
    transitions = (StageTransition.objects.filter(occurred_on=occurred_on, member_id__gte=low, member_id__lte=high)
                   .values_list("pk", "member_id", "from_stage__slug", "to_stage__slug", "created_at")
                   .order_by("pk").iterator(chunk_size=10_000))
    try:
        with transaction.atomic():
            recorded = events_record_rows(type_key="stage_changed", rows=(
                (f"stage:{pk}", member_id, created_at,
                 {"from_stage": from_slug or "active", "to_stage": to_slug or "active", "day": occurred_on.isoformat()})
                for pk, member_id, from_slug, to_slug, created_at in transitions))
    except Exception:  # the stage moves are committed; a lost event must not undo or block them
        logger.exception("stage_changed_events_failed occurred_on=%s range=%s", occurred_on, member_id_range)
        return
    logger.info("stage_changed_events occurred_on=%s range=%s recorded=%s", occurred_on, member_id_range, recorded)


def connect():
    stage_transitions_recorded.connect(on_stage_transitions, dispatch_uid="events_stage_changed", weak=False)
