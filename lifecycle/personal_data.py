"""Lifecycle's part of a member's export: the current stage and every stage move (no free text to erase)."""
from django.dispatch import receiver

from customers.personal_data import export_rows
from customers.signals import member_data_exported

from .models import MemberLifecycle, StageTransition


@receiver(member_data_exported)
def lifecycle_sections(sender, member, **kwargs):
    current = MemberLifecycle.objects.filter(member=member).values_list("stage__name", flat=True).first()
    return {
        "lifecycle_stage": current,
        "stage_history": export_rows(StageTransition.objects.filter(member=member).order_by("occurred_on", "id"),
                                     "occurred_on", "from_stage__name", "to_stage__name", "completed_orders",
                                     "days_since_last_purchase"),
    }
