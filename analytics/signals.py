"""Receivers of the lower floors' signals (connected in AnalyticsConfig.ready())."""
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from customers.signals import import_finished


@receiver(import_finished, dispatch_uid="analytics.member_scores_after_import")
def member_scores_after_import(sender, member_ids=None, **kwargs):
    """Queue the refresh of the imported members' statistics, RFM, stages and CLV, once the import is committed,
    so the segment builder and dashboards show them within minutes rather than after the nightly run."""
    if not settings.ANALYTICS_REFRESH_AFTER_IMPORT:
        return
    if member_ids is not None and not member_ids:
        return  # nothing changed
    from .tasks import member_scores_refresh_task

    ids = None if member_ids is None else sorted(member_ids)
    transaction.on_commit(lambda: member_scores_refresh_task.delay(ids))
