"""Signal receivers: lifecycle moves start campaigns; loyalty and lifecycle events feed webhooks."""
import logging

from django.dispatch import receiver

from lifecycle.signals import stage_transitions_recorded

logger = logging.getLogger(__name__)


@receiver(stage_transitions_recorded)
def enter_stage_campaigns(sender, occurred_on, member_id_range, **kwargs):
    """Runs after the lifecycle range committed; a failure here is caught up by the periodic sweep."""
    from .services.scheduling import campaigns_enter_stage

    try:
        entered = campaigns_enter_stage(occurred_on=occurred_on, member_id_range=member_id_range)
    except Exception:
        logger.exception("campaigns_enter_stage_failed occurred_on=%s range=%s", occurred_on, member_id_range)
        return
    logger.info("campaigns_stage_entries occurred_on=%s range=%s entered=%s", occurred_on, member_id_range, entered)
