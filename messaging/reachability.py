"""Who can be reached on a channel now: the one rule the send path and every audience count apply.

A member is reachable by
- email: email consent, an address, and that address not suppressed (a hard bounce: EmailSuppression); a
  complaint or an unsubscribe withdraws the consent itself;
- sms: SMS consent and a phone number;
- push: push consent and at least one registered device.
A campaign step's variants and the send rules (hours, caps) come on top, in campaigns.
"""
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Lower, Trim

from customers.models import Member

from .models import Device, EmailSuppression

CHANNELS = ("email", "sms", "push")


def reachable_q(channel: str) -> Q:
    """The condition, on Member, of being reachable by `channel` (for filters and Count(filter=…))."""
    if channel == "email":
        suppressed = EmailSuppression.objects.filter(address=Lower(Trim(OuterRef("email"))), lifted_at__isnull=True)
        return Q(email_consent=True) & ~Q(email="") & ~Exists(suppressed)
    if channel == "sms":
        return Q(sms_consent=True) & ~Q(phone="")
    if channel == "push":
        return Q(push_consent=True) & Exists(Device.objects.filter(member_id=OuterRef("id")))
    raise ValueError(f"unknown channel {channel!r}")


def reachable_members(member_ids) -> dict[str, set[int]]:
    """For each channel, which of `member_ids` are reachable on it now: one query."""
    reachable = {channel: set() for channel in CHANNELS}
    if not member_ids:
        return reachable
    rows = Member.objects.filter(pk__in=member_ids).order_by().values_list("pk", *(
        ExpressionWrapper(reachable_q(channel), output_field=BooleanField()) for channel in CHANNELS))
    for pk, *flags in rows:
        for channel, flag in zip(CHANNELS, flags):
            if flag:
                reachable[channel].add(pk)
    return reachable
