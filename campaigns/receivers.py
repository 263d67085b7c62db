"""Signal receivers: lifecycle moves start campaigns; loyalty and lifecycle events feed webhooks."""
import logging

from django.dispatch import receiver

from lifecycle.signals import stage_transitions_recorded
from messaging.signals import delivery_reported

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


@receiver(stage_transitions_recorded)
def stage_change_webhooks(sender, occurred_on, member_id_range, **kwargs):
    from .services.webhooks import webhooks_for_stage_transitions

    try:
        webhooks_for_stage_transitions(occurred_on=occurred_on, member_id_range=member_id_range)
    except Exception:  # caught up by the periodic sweep
        logger.exception("stage_change_webhooks_failed occurred_on=%s", occurred_on)


def _connect_loyalty_signals():
    """Loyalty sends these inside its transaction, so the delivery row commits (or not) with the cause."""
    from loyalty.signals import coupon_issued, points_earned, tier_changed

    from .services.webhooks import webhook_event_publish

    def on_points_earned(sender, member, entry, **kwargs):
        webhook_event_publish(event="points.earned", key=f"points:{entry.pk}", data={
            "member": member.external_id, "points": entry.points, "kind": entry.kind, "reason": entry.reason})

    def on_tier_changed(sender, member, from_tier, to_tier, **kwargs):
        from django.utils import timezone

        data = {"member": member.external_id, "from_tier": getattr(from_tier, "slug", None),
                "to_tier": getattr(to_tier, "slug", None)}
        key = f"tier:{member.pk}:{data['from_tier']}:{data['to_tier']}:{timezone.now():%Y%m%d%H%M%S%f}"
        webhook_event_publish(event="tier.changed", key=key, data=data)

    def on_coupon_issued(sender, coupon, **kwargs):
        webhook_event_publish(event="coupon.issued", key=f"coupon:{coupon.pk}", data={
            "member": coupon.member.external_id if coupon.member_id else None, "code": coupon.code,
            "template": coupon.template.name, "expires_at": coupon.expires_at.isoformat()})

    points_earned.connect(on_points_earned, dispatch_uid="campaigns_webhook_points_earned", weak=False)
    tier_changed.connect(on_tier_changed, dispatch_uid="campaigns_webhook_tier_changed", weak=False)
    coupon_issued.connect(on_coupon_issued, dispatch_uid="campaigns_webhook_coupon_issued", weak=False)


_connect_loyalty_signals()


@receiver(delivery_reported)
def record_delivery_report(sender, status, **kwargs):
    """A provider's delivery report becomes an EngagementEvent of its outbox message (see
    services.delivery_reports); True when the message was found."""
    from .services.delivery_reports import delivery_report_record

    return delivery_report_record(status=status)


def _event_campaigns():
    from .models import Campaign, Trigger

    return list(Campaign.objects.filter(is_active=True, trigger=Trigger.EVENT)
                .values_list("pk", "event_type_id", "event_delay_seconds"))


def _connect_event_triggers():
    from django.db import transaction

    from core.process_cache import ProcessCache
    from events.signals import events_recorded

    from .models import Campaign

    campaigns = ProcessCache("event_campaigns", _event_campaigns, models=[Campaign])

    def on_events_recorded(sender, events, **kwargs):
        """Queue each event campaign the new events trigger, to run when its delay ends (after the commit)."""
        for campaign_id, type_id, delay in campaigns.get():
            times = [e.occurred_at for e in events if e.type_id == type_id and e.member_id]
            if times:
                transaction.on_commit(_queue(campaign_id, min(times), delay))

    events_recorded.connect(on_events_recorded, dispatch_uid="campaigns_event_triggers", weak=False)


def _queue(campaign_id, since, delay_seconds):
    def queue():
        from .services.event_enter_requests import event_campaign_enter_request

        event_campaign_enter_request(campaign_id=campaign_id, since=since, delay_seconds=delay_seconds)
    return queue


_connect_event_triggers()
