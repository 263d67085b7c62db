"""Queue members for re-evaluation when their data changes, so segments follow within minutes."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from customers.models import EngagementEvent, Member
from customers.signals import import_finished
from loyalty.models import Order

from .services import members_mark_dirty


@receiver(post_save, sender=Order)
def order_saved(sender, instance, **kwargs):
    members_mark_dirty([instance.member_id])


@receiver(post_save, sender=Member)
def member_saved(sender, instance, **kwargs):
    members_mark_dirty([instance.pk])


@receiver(post_save, sender=EngagementEvent)
def engagement_saved(sender, instance, **kwargs):
    members_mark_dirty([instance.member_id])


@receiver(import_finished)
def import_done(sender, member_ids=None, **kwargs):
    # A bulk import bypasses post_save; a very large one (member_ids=None) waits for the nightly sweep.
    if member_ids:
        members_mark_dirty(member_ids)
