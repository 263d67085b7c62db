"""The journeys admin's two read-only pages: a journey's diagram and a split's A/B results. Thin: the figures come
from `journeys.diagram.journey_diagram` and `journeys.results.split_results`; this only lays them out."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .diagram import journey_diagram
from .models import Journey, JourneyNode, NodeKind
from .results import split_results


def diagram_view(model_admin, request, pk):
    journey = get_object_or_404(Journey.objects.select_related("campaign"), pk=pk)
    if not model_admin.has_view_permission(request, journey):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request), "opts": Journey._meta, "journey": journey,
        "chart": journey_diagram(journey=journey),
        "splits": journey.nodes.filter(kind=NodeKind.SPLIT).order_by("position", "pk"),
        "title": _("Journey diagram: %(journey)s") % {"journey": journey},
    }
    return TemplateResponse(request, "admin/journeys/journey/diagram.html", context)


def _row(label, statistics, share, scale):
    """One table row: the figures in percent and roubles, and the interval bar's position on a common scale."""
    position = lambda value: round(100 * value / scale, 2)  # noqa: E731
    return {
        "label": label, "members": statistics.members, "conversions": statistics.conversions,
        "rate": 100 * statistics.rate, "rate_low": 100 * statistics.rate_low, "rate_high": 100 * statistics.rate_high,
        "revenue": statistics.revenue, "per_member": statistics.revenue_per_member,
        "per_member_low": statistics.revenue_per_member_low, "per_member_high": statistics.revenue_per_member_high,
        "probability_best": None if statistics.probability_best is None else 100 * statistics.probability_best,
        "expected_loss": None if statistics.expected_loss is None else 100 * statistics.expected_loss,
        "share": None if share is None else 100 * share,
        "bar": {"left": position(statistics.rate_low), "width": position(statistics.rate_high - statistics.rate_low),
                "estimate": position(statistics.rate)},
    }


def split_results_view(model_admin, request, pk):
    node = get_object_or_404(JourneyNode.objects.select_related("journey__campaign", "journey__conversion_event_type"),
                             pk=pk, kind=NodeKind.SPLIT)
    if not model_admin.has_view_permission(request, node):
        raise PermissionDenied
    results = split_results(node=node)
    groups = [s.statistics for s in results.variants] + [results.holdout]
    scale = max([s.rate_high for s in groups if s.members] or [1.0]) * 1.05
    rows = [_row(f"{v.key}{' · ' + v.name if v.name else ''}", v.statistics, v.share, scale) for v in results.variants]
    holdout = _row(_("Holdout (no messages)"), results.holdout, results.holdout_percent / 100, scale)
    journey = node.journey
    context = {
        **model_admin.admin_site.each_context(request), "opts": JourneyNode._meta, "node": node, "journey": journey,
        "results": results, "rows": rows, "holdout": holdout, "leader": results.leader,
        "leader_probability": results.leader and 100 * results.leader.statistics.probability_best,
        "conversion": (_("the event “%(event)s”") % {"event": journey.conversion_event_type.name}
                       if journey.conversion_event_type_id else _("a completed order")),
        "title": _("A/B test results: %(split)s") % {"split": node.name},
    }
    return TemplateResponse(request, "admin/journeys/journeynode/split_results.html", context)
