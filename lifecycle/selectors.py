"""Reads for admin pages and campaigns: stage counts and transitions per day."""
import datetime as dt

from django.db.models import Count
from django.utils.translation import gettext

from customers.models import Member

from .models import LifecycleStage, StageTransition


ACTIVE = "Active"  # what members without a stage are called in counts and charts

# One colour per stage for every chart that shows stages (the dashboards' area and Sankey charts, the
# transitions page): warm for the stages that slip away, greens for the loyal, grey for the lost. Stages
# a shop adds take the spare colours in their order.
STAGE_COLOURS = {
    None: "#8fb3d9", "new": "#4c78a8", "promising": "#54a24b", "loyal": "#2e7d32", "wandering": "#eeca3b",
    "dormant": "#f58518", "at_risk": "#e45756", "lost": "#9d9d9d",
}
SPARE_COLOURS = ["#b279a2", "#72b7b2", "#ff9da6", "#9d755d", "#bab0ac", "#79706e"]


def stage_names() -> dict[int, str]:
    """Each stage's name in the reader's language (core.translated_content), by id, in the path's order."""
    return {stage.pk: str(stage) for stage in LifecycleStage.objects.order_by("position", "pk")}


def stage_colours() -> dict[str, str]:
    """Each stage's colour by the name the charts show (the reader's language), in the stages' order (the
    "Active" start first, under its key and its translated name)."""
    colours, spare = {ACTIVE: STAGE_COLOURS[None], gettext(ACTIVE): STAGE_COLOURS[None]}, iter(SPARE_COLOURS * 4)
    for stage in LifecycleStage.objects.order_by("position", "pk"):
        colours[str(stage)] = STAGE_COLOURS.get(stage.slug) or next(spare)
    return colours


def stage_counts() -> list[tuple[str, str, int]]:
    """(slug, name in the reader's language, members) for every stage, plus `active` for members with no stage."""
    counts = dict(Member.objects.values_list("lifecycle__stage_id").annotate(n=Count("id")).values_list("lifecycle__stage_id", "n"))
    rows = [(stage.slug, str(stage), counts.get(stage.pk, 0)) for stage in LifecycleStage.objects.all()]
    return [("active", gettext(ACTIVE), counts.get(None, 0)), *rows]


def transitions_by_day(*, since: dt.date) -> tuple[list[str], list[tuple[dt.date, list[int]]]]:
    """Moves into each stage per day since `since`, as a table: the stage names (path order, "Active"
    first) and, newest day first, each day's counts in that order. One grouped query."""
    stages = list(stage_names().items())
    order = [None, *(pk for pk, _ in stages)]
    counts = {}
    for day, stage, n in (StageTransition.objects.filter(occurred_on__gte=since)
                          .values_list("occurred_on", "to_stage").annotate(n=Count("id")).order_by()):
        counts.setdefault(day, {})[stage] = n
    return ([gettext(ACTIVE), *(name for _, name in stages)],
            [(day, [counts[day].get(pk, 0) for pk in order]) for day in sorted(counts, reverse=True)])
