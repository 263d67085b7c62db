"""Reads for admin pages and campaigns: stage counts and transitions per day."""
import datetime as dt

from django.db.models import Count

from customers.models import Member

from .models import LifecycleStage, StageTransition


def stage_counts() -> list[tuple[str, str, int]]:
    """(slug, name, members) for every stage, plus `active` for members with no stage."""
    counts = dict(Member.objects.values_list("lifecycle__stage_id").annotate(n=Count("id")).values_list("lifecycle__stage_id", "n"))
    rows = [(stage.slug, stage.name, counts.get(stage.pk, 0)) for stage in LifecycleStage.objects.all()]
    return [("active", "Active", counts.get(None, 0)), *rows]


def transitions_per_day(*, since: dt.date) -> list[dict]:
    """Transitions counted per day and target stage since a day, newest first."""
    return list(
        StageTransition.objects.filter(occurred_on__gte=since)
        .values("occurred_on", "to_stage__slug")
        .annotate(members=Count("id"))
        .order_by("-occurred_on", "to_stage__slug")
    )
