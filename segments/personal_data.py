"""Segments' part of a member's export: the segments they are in now and their entries and exits."""
from django.dispatch import receiver

from customers.personal_data import export_rows
from customers.signals import member_data_exported

from .models import SegmentMembership, SegmentMembershipChange


@receiver(member_data_exported)
def segments_sections(sender, member, **kwargs):
    return {
        "segments": export_rows(SegmentMembership.objects.filter(member=member).order_by("segment__name"),
                                "segment__name", "since"),
        "segment_changes": export_rows(SegmentMembershipChange.objects.filter(member=member).order_by("occurred_at", "id"),
                                       "occurred_at", "segment__name", "kind"),
    }
