"""Receivers of the lower floors' signals (connected in EventsConfig.ready()): tracked engagement becomes built-in
message events, and a member's events join their data export and go with their erasure."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from customers.models import EngagementEvent
from customers.signals import member_data_exported, member_erasing

from .models import Event
from .services.builtin import event_record

ENGAGEMENT_TYPES = {"delivered": "message_delivered", "open": "message_opened", "click": "message_clicked"}


@receiver(post_save, sender=EngagementEvent, dispatch_uid="events_engagement")
def engagement_recorded(sender, instance, created, raw=False, **kwargs):
    """Our own sends' deliveries, opens and clicks (pixel, redirect, provider reports), in their transaction.
    Imported ESP history comes in bulk, bypasses this, and is not replayed as events."""
    type_key = ENGAGEMENT_TYPES.get(instance.kind)
    if not created or raw or type_key is None:
        return
    event_record(type_key=type_key, event_id=f"engagement:{instance.pk}", member_id=instance.member_id,
                 occurred_at=instance.occurred_at, properties={
                     "channel": instance.channel, "message": instance.message_ref, "url": instance.url})


@receiver(member_data_exported, dispatch_uid="events_member_export")
def export_events(sender, member, **kwargs):
    events = Event.objects.filter(member=member).select_related("type").order_by("occurred_at")
    return {"events": [{"type": e.type.key, "time": e.occurred_at.isoformat(), "properties": e.properties}
                       for e in events.iterator(chunk_size=2000)]}


@receiver(member_erasing, dispatch_uid="events_member_erasing")
def erase_events(sender, member, **kwargs):
    # Properties are free-form and may name the person: the member's events go; their counts in reports stay.
    Event.objects.filter(member=member).delete()
