"""What loyalty adds to the Member admin (registered by customers): the account and ledger read-only, and
staff actions — adjust points, issue a coupon, merge duplicates — each through the same service the API uses."""
import uuid

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.db.models import Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from core.exceptions import DomainError
from customers.admin import MemberAdmin

from ..models import CouponTemplate, LedgerEntry, MemberAccount
from ..services import coupon_issue, member_merge, points_adjust


class MemberAccountInline(admin.StackedInline):
    model = MemberAccount
    can_delete = False
    fields = ["tier", "available_points", "pending_points", "debt_points", "tier_below_since", "whole_ledger"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("ledger"))
    def whole_ledger(self, account):
        url = reverse("admin:loyalty_ledgerentry_changelist") + f"?member__id__exact={account.member_id}"
        return format_html('<a href="{}">{} →</a>', url, gettext("All entries of this member"))


LATEST_LEDGER_ENTRIES = 50


class LatestLedgerEntriesFormSet(BaseInlineFormSet):
    """The member's latest entries only. The limit must be taken after the formset narrows the entries to
    the member: the inline's get_queryset sees every member's entries, and limiting there kept the latest 50
    of the whole ledger, of which a member usually had none (the inline showed 0 of 12)."""

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            members_entries = self.queryset.order_by("-created_at", "-id")  # already the member's, see __init__
            self._queryset = members_entries.filter(
                pk__in=Subquery(members_entries.values("pk")[:LATEST_LEDGER_ENTRIES])
            ).select_related("order", "staff_user")
        return self._queryset


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fk_name = "member"
    formset = LatestLedgerEntriesFormSet
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "bucket", "points", "order", "reason", "staff_user"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    verbose_name_plural = format_lazy(
        _("points ledger, latest {count} (read-only; use the “Adjust points” action)"), count=LATEST_LEDGER_ENTRIES)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PointsAdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points"), help_text=_("Positive adds, negative removes available points."))
    reason = forms.CharField(label=_("Reason"), max_length=255)


class CouponIssueForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Coupon template"), queryset=CouponTemplate.objects.filter(active=True))


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(label=_("Survivor"), widget=forms.RadioSelect,
                                 help_text=_("The member that remains; the other is merged into it."))


def _intermediate(modeladmin, request, queryset, *, title, form, action, note=""):
    context = {**modeladmin.admin_site.each_context(request), "title": title, "form": form, "members": queryset,
               "action": action, "note": note, "opts": modeladmin.model._meta,
               "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
    return TemplateResponse(request, "admin/loyalty/member_action.html", context)


@admin.action(description=_("Adjust points of selected members"))
def adjust_points(modeladmin, request, queryset):
    form = PointsAdjustForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _intermediate(modeladmin, request, queryset, title=gettext("Adjust points"), form=form,
                             action="adjust_points")
    done = 0
    for member in queryset:  # staff select a handful; each adjustment is its own locked transaction
        try:
            points_adjust(member=member, points=form.cleaned_data["points"], reason=form.cleaned_data["reason"],
                          staff_user=request.user)
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{member}: {error.message}", messages.ERROR)
    modeladmin.message_user(request, ngettext("Adjusted points of %(count)d member.", "Adjusted points of %(count)d members.",
                                               done) % {"count": done}, messages.SUCCESS)
    return None


@admin.action(description=_("Issue a coupon to selected members"))
def issue_coupon(modeladmin, request, queryset):
    form = CouponIssueForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _intermediate(modeladmin, request, queryset, title=gettext("Issue a coupon"), form=form,
                             action="issue_coupon")
    batch = uuid.uuid4().hex
    for member in queryset:
        try:
            coupon_issue(template=form.cleaned_data["template"], member=member, source="staff",
                         cause_key=f"staff:{batch}:{member.pk}")
        except DomainError as error:
            modeladmin.message_user(request, f"{member}: {error.message}", messages.ERROR)
    modeladmin.message_user(request, gettext("Coupons issued."), messages.SUCCESS)
    return None


@admin.action(description=_("Merge two selected members (duplicates)"))
def merge_members(modeladmin, request, queryset):
    members = list(queryset[:3])
    if len(members) != 2:
        modeladmin.message_user(request, gettext("Select exactly two members to merge."), messages.ERROR)
        return None
    form = MergeForm(request.POST if "apply" in request.POST else None)
    form.fields["survivor"].choices = [(str(m.pk), str(m)) for m in members]
    if not form.is_valid():
        return _intermediate(modeladmin, request, queryset, title=gettext("Merge duplicate members"), form=form,
                             action="merge_members",
                             note=gettext("Orders, points, coupons, consents and history move to the survivor; the "
                                          "other member is deleted. This cannot be undone."))
    survivor = next(m for m in members if str(m.pk) == form.cleaned_data["survivor"])
    duplicate = next(m for m in members if m.pk != survivor.pk)
    try:
        merge = member_merge(survivor=survivor, duplicate=duplicate, staff_user=request.user)
    except DomainError as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
        return None
    modeladmin.message_user(request, gettext("Merged %(duplicate)s into %(survivor)s.") % {
        "duplicate": merge.duplicate_external_id, "survivor": survivor}, messages.SUCCESS)
    return None


# customers owns MemberAdmin; loyalty adds its inlines and actions here instead of editing that module.
MemberAdmin.inlines = [*MemberAdmin.inlines, MemberAccountInline, LedgerEntryInline]
MemberAdmin.actions = [*(MemberAdmin.actions or []), adjust_points, issue_coupon, merge_members]
