import datetime as dt

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, gettext_lazy as _


from core.admin_history import ConfigurationHistoryAdmin
from core.admin_translations import TranslatedContentAdmin
from core.timezones import shop_today

from .models import LifecycleStage, StageTransition
from .selectors import stage_colours, stage_counts, transitions_by_day
from .services import lifecycle_dry_run

THRESHOLD_FIELDS = {"min_orders", "max_orders", "entry_day"}


@admin.register(LifecycleStage)
class LifecycleStageAdmin(TranslatedContentAdmin, ConfigurationHistoryAdmin):
    translated_fields = ("name", "description")
    list_display = ["position", "stage_name", "slug", "bucket_label", "entry_day", "conversion_window_days",
                    "action_window_end_days"]
    list_display_links = ["stage_name"]
    search_fields = ["slug", "name"]
    change_list_template = "admin/lifecycle/lifecyclestage/change_list.html"

    def get_urls(self):
        transitions = self.admin_site.admin_view(self.transitions_view)
        return [path("transitions/", transitions, name="lifecycle_lifecyclestage_transitions"), *super().get_urls()]

    def transitions_view(self, request):
        """Moves into each stage per day, on a page of their own so the stages list stays first: a chart in
        the stages' colours and the table (a row per day, a column per stage)."""
        stages, days = transitions_by_day(since=shop_today() - dt.timedelta(days=30))
        colours = stage_colours()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Transitions per day, last 30 days"),
            "stages": stages, "days": days,
            "chart": {"stages": stages, "colours": [colours.get(name, "#999") for name in stages],
                      "days": [day.isoformat() for day, _ in reversed(days)],
                      "counts": [counts for _, counts in reversed(days)]},
        }
        return TemplateResponse(request, "admin/lifecycle/lifecyclestage/transitions.html", context)

    @admin.display(description=_("name"), ordering="name")
    def stage_name(self, obj):
        return str(obj)  # in the reader's language

    @admin.display(description=_("Completed orders"))
    def bucket_label(self, obj):
        return obj.bucket_label

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "stage_counts": stage_counts(),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Changing a threshold moves members: show who would move where before saving.
        if request.method == "POST" and object_id and "_confirm_thresholds" not in request.POST:
            stage = self.get_object(request, object_id)
            form = self.get_form(request, stage, change=True)(request.POST, request.FILES, instance=stage)
            if stage is not None and form.is_valid() and THRESHOLD_FIELDS & set(form.changed_data):
                moves = lifecycle_dry_run(overrides={stage.pk: form.instance})
                context = {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "stage": stage,
                    "moves": sorted(moves.items(), key=lambda item: -item[1]),
                    "moved": sum(moves.values()),
                    "post_items": [(key, value) for key, values in request.POST.lists() for value in values],
                    "title": gettext("Confirm new thresholds for %(stage)s") % {"stage": stage.name},
                }
                return TemplateResponse(request, "admin/lifecycle/lifecyclestage/confirm_thresholds.html", context)
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    list_display = ["member", "from_stage", "to_stage", "occurred_on", "completed_orders", "days_since_last_purchase"]
    list_filter = ["to_stage", "from_stage", "occurred_on"]
    search_fields = ["member__external_id", "member__email", "member__phone"]
    date_hierarchy = "occurred_on"
    raw_id_fields = ["member"]
    list_select_related = ["member", "from_stage", "to_stage"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # transitions are history, written by the recompute only

    def has_change_permission(self, request, obj=None):
        return False
