"""Messaging's part of a member's personal data: their devices in the export (platform and dates, never the push
token); erasure deletes them, so nothing is pushed to the erased member, and the suppressions of their address
(which is personal data too)."""
from django.dispatch import receiver

from customers.personal_data import export_rows
from customers.signals import member_data_exported, member_erasing

from .email.suppression import address_normalize
from .models import Device, EmailSuppression


@receiver(member_data_exported)
def messaging_sections(sender, member, **kwargs):
    return {"devices": export_rows(Device.objects.filter(member=member).order_by("created_at"),
                                   "platform", "created_at", "updated_at")}


@receiver(member_erasing)
def messaging_erase(sender, member, **kwargs):
    Device.objects.filter(member=member).delete()
    EmailSuppression.objects.filter(member=member).delete()
    if member.email:
        EmailSuppression.objects.filter(address=address_normalize(member.email)).delete()
