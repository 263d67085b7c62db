import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from core.exceptions import DomainError

from .models import MemberStats, RfmSegmentRule, Segment, SegmentMembershipChange
from .rules import rules_validate
from .selectors import rfm_grid, rfm_map_problems, segment_preview
from .services import segment_refresh, segment_upload_static
from .widgets import RuleBuilderWidget


class SegmentForm(forms.ModelForm):
    upload = forms.FileField(label=_("Upload"), required=False,
                             help_text=_("Static segments: a CSV with one member external id per line."))

    class Meta:
        model = Segment
        fields = ["name", "slug", "kind", "description", "is_active", "rules"]
        widgets = {"rules": RuleBuilderWidget}

    def clean_rules(self):
        try:
            return rules_validate(self.cleaned_data["rules"], segment_slug=self.cleaned_data.get("slug") or None)
        except DomainError as error:
            raise ValidationError(error.fields.get("rules") or [error.message]) from None


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["name", "slug", "kind", "member_count", "refreshed_at", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["member_count", "refreshed_at", "version"]
    change_form_template = "admin/segments/segment/change_form.html"
    actions = ["refresh_now"]

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view), name="segments_segment_preview"),
                *super().get_urls()]

    def preview_view(self, request):
        """Count and sample of the rules in the form, before saving (called by the builder)."""
        try:
            rules = rules_validate(json.loads(request.body or b"{}"))
        except (ValueError, DomainError) as error:
            fields = getattr(error, "fields", {"rules": [str(error)]})
            return JsonResponse({"error": {"code": "invalid_rules", "message": gettext("Invalid rules."), "fields": fields}},
                                status=400)
        preview = segment_preview(rules)
        return JsonResponse(preview)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload")
        if upload and obj.kind == Segment.Kind.STATIC:
            result = segment_upload_static(segment=obj, csv_text=upload.read().decode("utf-8-sig"))
            level = messages.WARNING if result["unknown"] else messages.SUCCESS
            text = ngettext("%(count)d member in the list.", "%(count)d members in the list.", result["members"]) % {
                "count": result["members"]}
            if result["unknown"]:
                text += " " + gettext("Unknown ids: %(ids)s") % {"ids": ", ".join(result["unknown"][:20])}
            self.message_user(request, text, level)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        segment = self.get_object(request, object_id)
        history = list(segment.size_snapshots.order_by("-taken_at")[:30]) if segment else []
        peak = max((s.members for s in history), default=0) or 1
        extra_context = {**(extra_context or {}), "size_history": [
            {"taken_at": s.taken_at, "members": s.members, "entered": s.entered, "left": s.left,
             "width": round(100 * s.members / peak)} for s in reversed(history)]}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Refresh membership now"))
    def refresh_now(self, request, queryset):
        for segment in queryset:
            entered, left = segment_refresh(segment=segment)
            self.message_user(request, gettext("%(segment)s: %(entered)s entered, %(left)s left.") % {
                "segment": segment.name, "entered": entered, "left": left})


@admin.register(SegmentMembershipChange)
class SegmentMembershipChangeAdmin(admin.ModelAdmin):
    list_display = ["segment", "member", "kind", "occurred_at", "version"]
    list_filter = ["kind", "segment"]
    search_fields = ["member__external_id", "member__email"]
    raw_id_fields = ["member"]
    list_select_related = ["segment", "member"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MemberStats)
class MemberStatsAdmin(admin.ModelAdmin):
    list_display = ["member", "orders_count", "total_spent", "avg_order_value", "last_purchase_on", "rfm_code",
                    "rfm_segment"]
    list_filter = ["rfm_segment", "r_score", "f_score", "m_score"]
    search_fields = ["member__external_id", "member__email"]
    list_select_related = ["member"]
    show_full_result_count = False
    change_list_template = "admin/segments/memberstats/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("rfm-grid/", self.admin_site.admin_view(self.rfm_grid_view), name="segments_rfm_grid"),
                *super().get_urls()]

    def rfm_grid_view(self, request):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": gettext("RFM grid"),
                   "grid": rfm_grid(), "problems": rfm_map_problems()}
        return TemplateResponse(request, "admin/segments/memberstats/rfm_grid.html", context)


@admin.register(RfmSegmentRule)
class RfmSegmentRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "r_min", "r_max", "f_min", "f_max"]
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        for problem in rfm_map_problems():
            self.message_user(request, gettext("The map does not cover the grid exactly once: %(problem)s") % {
                "problem": problem}, messages.WARNING)
        return super().changelist_view(request, extra_context)
