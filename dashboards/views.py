"""Staff-only dashboard pages and their CSV downloads; the figures come from dashboards.selectors."""
import csv

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext as _

from .forms import date_range_from
from .selectors import CHARTS, PAGES, chart_data
from .selectors.labels import COLUMN_LABELS
from .selectors.lifecycle import stage_colours


def staff_member_required(view):
    """The admin's own gate (staff, and the second factor when the user has one: core.admin_site)."""
    return admin.site.admin_view(view)


@staff_member_required
def index(request):
    context = {**admin.site.each_context(request), "title": _("Dashboards"), "pages": PAGES,
               "charts": list(CHARTS.values())}
    return render(request, "dashboards/index.html", context)


@staff_member_required
def page(request, page):
    current = next((p for p in PAGES if p.slug == page), None)
    if current is None:
        raise Http404("No such dashboard.")
    form, date_range = date_range_from(request.GET)
    charts = [
        {"chart": chart, "data": chart_data(chart.slug, date_range)}
        for chart in CHARTS.values() if chart.page == page
    ]
    context = {
        **admin.site.each_context(request), "title": current.title, "pages": PAGES, "current": current,
        "form": form, "range": date_range, "charts": charts, "query": request.GET.urlencode(),
        "payload": [{"slug": c["chart"].slug, "kind": c["chart"].kind, "unit": c["chart"].unit,
                     "columns": c["data"].columns, "rows": c["data"].rows} for c in charts],
        "meta": chart_meta(),
    }
    return render(request, "dashboards/page.html", context)


def chart_meta() -> dict:
    """What every chart on a page shares: the language and currency to format with, the words for column
    names, and the one colour of each lifecycle stage (the area and the Sankey charts both use it)."""
    return {"language": get_language() or settings.LANGUAGE_CODE, "currency": settings.SHOP_CURRENCY,
            "labels": {name: str(label) for name, label in COLUMN_LABELS.items()},
            "stage_colours": stage_colours()}


@staff_member_required
def chart_csv(request, page, chart):
    found = CHARTS.get(chart)
    if found is None or found.page != page:
        raise Http404("No such chart.")
    _, date_range = date_range_from(request.GET)
    data = chart_data(chart, date_range)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{chart}_{date_range.start:%Y%m%d}-{date_range.end:%Y%m%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(data.columns)
    writer.writerows([("" if v is None else v) for v in row] for row in data.rows)
    return response
