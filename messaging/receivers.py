"""Receivers: Anymail's tracking signal (ESP webhooks) and members changing their email address."""
from anymail.signals import tracking
from django.db.models.signals import pre_save
from django.dispatch import receiver

from customers.models import Member

from .email.suppression import address_normalize, email_suppression_lift
from .email.tracking import tracking_event_receive


@receiver(tracking, dispatch_uid="messaging_email_tracking")
def on_email_tracking(sender, event, esp_name, **kwargs):
    tracking_event_receive(event=event, esp_name=esp_name)


@receiver(pre_save, sender=Member, dispatch_uid="messaging_member_address_changed")
def lift_suppression_on_new_address(sender, instance, update_fields=None, **kwargs):
    """A member who enters an address (a new one, or a suppressed one again after fixing it) vouches for it:
    its suppression is lifted. The old address stays suppressed."""
    if instance.pk is None or not instance.email or (update_fields is not None and "email" not in update_fields):
        return
    old = Member.objects.filter(pk=instance.pk).values_list("email", flat=True).first()
    if address_normalize(old) != address_normalize(instance.email):
        email_suppression_lift(address=instance.email, why=f"member {instance.pk} changed their address to it")
