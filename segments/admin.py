import csv
import itertools
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_money import money_column
from core.admin_translations import TranslatedContentAdmin
from core.exceptions import DomainError
from customers.exporting import member_export_header, member_export_rows
from customers.models import Member
from loyalty.selectors.catalogue import brand_search, product_labels, product_search

from .models import MemberStats, RfmSegmentRule, Segment, SegmentMembershipChange
from .rules import rules_validate
from .rules.registry import RulesInvalid
from .selectors import rfm_grid, rfm_map_problems, segment_members, segment_preview
from .services import segment_refresh, segment_upload_static
from .widgets import RuleBuilderWidget

class _Echo:
    """csv.writer's file: hands each written row back, for a streamed response."""

    def write(self, text):
        return text


class MemberSegmentFilter(admin.SimpleListFilter):
    """Members' list filtered by a segment (its materialised members), added to the member admin from here
    because segments sits above customers."""

    title = _("segment")
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return list(Segment.objects.order_by("name").values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(segment_memberships__segment__slug=self.value())
        return queryset


def _member_admin_add_segment_filter():
    member_admin = admin.site.get_model_admin(Member)
    if MemberSegmentFilter not in member_admin.list_filter:
        member_admin.list_filter = [*member_admin.list_filter, MemberSegmentFilter]


_member_admin_add_segment_filter()

# The builder's search pickers: kind -> (search as typed, labels of chosen values).
LOOKUPS = {
    "product": (product_search, product_labels),
    "brand": (brand_search, lambda values: [(value, value) for value in values]),
}


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
        except RulesInvalid as error:
            self.fields["rules"].widget.problems = error.as_json()  # drawn beside each condition
            raise ValidationError(error.messages()) from None
        except DomainError as error:
            raise ValidationError(error.fields.get("rules") or [error.message]) from None


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["name", "slug", "kind", "members_link", "refreshed_at", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["member_count", "refreshed_at", "version"]
    change_form_template = "admin/segments/segment/change_form.html"
    actions = ["refresh_now"]

    @admin.display(description=_("Members"), ordering="member_count")
    def members_link(self, segment):
        url = f"{reverse('admin:customers_member_changelist')}?{MemberSegmentFilter.parameter_name}={segment.slug}"
        return format_html('<a href="{}">{}</a>', url, number_format(segment.member_count, force_grouping=True))

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view), name="segments_segment_preview"),
                path("<int:object_id>/export/", self.admin_site.admin_view(self.export_view), name="segments_segment_export"),
                path("lookup/<str:kind>/", self.admin_site.admin_view(self.lookup_view), name="segments_segment_lookup"),
                *super().get_urls()]

    def lookup_view(self, request, kind):
        """Products or brands for the builder's search pickers: `?q=` as typed, or `?values=` to label chosen ones."""
        if kind not in LOOKUPS or not self.has_view_or_change_permission(request):
            return JsonResponse({"error": {"code": "not_found", "message": "No such lookup.", "fields": {}}}, status=404)
        search, label = LOOKUPS[kind]
        values = [v for v in request.GET.get("values", "").split("\n") if v]
        found = label(values) if values else search(request.GET.get("q", "")[:100])
        return JsonResponse({"results": [{"value": value, "label": text} for value, text in found]})

    def preview_view(self, request):
        """Count and sample of the rules in the form, before saving (called by the builder)."""
        try:
            rules = rules_validate(json.loads(request.body or b"{}"))
        except (ValueError, DomainError) as error:
            fields = getattr(error, "fields", {"rules": [str(error)]})
            problems = error.as_json() if isinstance(error, RulesInvalid) else []
            return JsonResponse({"error": {"code": "invalid_rules", "message": gettext("Check the conditions."),
                                           "fields": fields, "problems": problems}}, status=400)
        preview = segment_preview(rules)
        return JsonResponse(preview)

    def export_view(self, request, object_id):
        """The segment's members as last materialised, as a CSV that `import_members` reads back (streamed)."""
        segment = self.get_object(request, str(object_id))
        if segment is None or not (self.has_view_or_change_permission(request, segment)
                                   and request.user.has_perm("customers.view_member")):
            raise PermissionDenied
        header = member_export_header()
        writer = csv.writer(_Echo())
        rows = member_export_rows(segment_members(segment.slug), header=header)
        response = StreamingHttpResponse((writer.writerow(row) for row in itertools.chain([header], rows)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="segment-{segment.slug}.csv"'
        return response

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
        extra_context = {**(extra_context or {}), "members_url": segment and (
            f"{reverse('admin:customers_member_changelist')}?{MemberSegmentFilter.parameter_name}={segment.slug}"),
            "export_url": segment and reverse("admin:segments_segment_export", args=[segment.pk]), "size_history": [
            {"taken_at": s.taken_at, "members": s.members, "entered": s.entered, "left": s.left,
             "width": round(100 * s.members / peak)} for s in reversed(history)],
            "size_chart": {"times": [timezone.localtime(s.taken_at).strftime("%Y-%m-%dT%H:%M") for s in reversed(history)],
                           "series": {str(label): [getattr(s, field) for s in reversed(history)]
                                      for field, label in (("members", gettext("Members")),
                                                           ("entered", gettext("Entered")), ("left", gettext("Left")))}}}
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
    list_display = ["member", "orders_count", "total_spent_money", "avg_order_value_money", "last_purchase_on", "rfm_code",
                    "rfm_segment", "predicted_clv_money"]
    list_filter = ["rfm_segment", "r_score", "f_score", "m_score"]
    search_fields = ["member__external_id", "member__email"]
    list_select_related = ["member"]
    show_full_result_count = False
    change_list_template = "admin/segments/memberstats/change_list.html"
    total_spent_money = money_column(MemberStats, "total_spent")
    avg_order_value_money = money_column(MemberStats, "avg_order_value")
    predicted_clv_money = money_column(MemberStats, "predicted_clv")

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
class RfmSegmentRuleAdmin(TranslatedContentAdmin, admin.ModelAdmin):
    translated_fields = ("name", "description")
    list_display = ["name", "r_min", "r_max", "f_min", "f_max"]
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        for problem in rfm_map_problems():
            self.message_user(request, gettext("The map does not cover the grid exactly once: %(problem)s") % {
                "problem": problem}, messages.WARNING)
        return super().changelist_view(request, extra_context)
