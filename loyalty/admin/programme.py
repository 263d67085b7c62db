from django.contrib import admin
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from core.admin_history import ConfigurationHistoryAdmin
from core.admin_translations import TranslatedContentAdmin
from core.money import money_format
from customers.admin import PhoneSearchMixin
from customers.admin_imports import ImportLinksMixin

from ..models import (EarningRule, LedgerEntry, MemberAccount, MemberMerge, PointsLot, ProgrammeSettings, QualifyBy, Tier,
                      TierHistory)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit tables: staff look, never edit (the ledger is append-only; writes go through services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgrammeSettings)
class ProgrammeSettingsAdmin(ConfigurationHistoryAdmin):
    list_display = ["__str__", "return_period_days", "validity_kind", "validity_days", "tier_window_days",
                    "tier_grace_days", "per_order_cap", "daily_cap", "weekly_cap", "monthly_cap"]

    def has_add_permission(self, request):
        return not ProgrammeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tier)
class TierAdmin(TranslatedContentAdmin, ConfigurationHistoryAdmin):
    translated_fields = ("name", "perks")
    list_display = ["name", "rank", "qualify_by", "threshold_shown", "multiplier"]
    list_filter = ["qualify_by"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description=_("threshold"), ordering="threshold")
    def threshold_shown(self, tier):
        if tier.qualify_by == QualifyBy.SPEND:
            return money_format(tier.threshold)
        return formats.number_format(tier.threshold.normalize(), force_grouping=True)


@admin.register(EarningRule)
class EarningRuleAdmin(ConfigurationHistoryAdmin):
    list_display = ["name", "kind", "active", "points_per_unit", "multiplier", "bonus_points", "category", "product",
                    "starts_on", "ends_on"]
    list_editable = ["active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "category__name", "product__sku", "product__name"]
    raw_id_fields = ["product"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "active", ("starts_on", "ends_on")]}),
        (_("Rates"), {"fields": ["points_per_unit", "multiplier", "category", "product"],
                      "description": _("Base: points per currency unit. Category/product/promotion: a multiplier.")}),
        (_("Bonuses"), {"fields": ["bonus_points", "referral_beneficiary"],
                        "description": _("First purchase, birthday and referral rules give fixed points.")}),
    ]


@admin.register(MemberAccount)
class MemberAccountAdmin(ImportLinksMixin, PhoneSearchMixin, admin.ModelAdmin):
    import_kinds = ["points", "tiers"]
    phone_search_field = "member__phone"
    list_display = ["member", "tier", "available_points", "pending_points", "debt_points", "tier_below_since", "updated_at"]
    list_filter = ["tier"]
    search_fields = ["member__external_id", "member__email", "member__phone", "member__card_number"]
    list_select_related = ["member", "tier"]
    raw_id_fields = ["member"]
    readonly_fields = ["member", "available_points", "pending_points", "debt_points", "tier_below_since", "updated_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # accounts are opened by the first ledger write


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ImportLinksMixin, ReadOnlyAdmin):
    import_kinds = ["points"]
    list_display = ["created_at", "member", "kind", "bucket", "points", "order", "reason", "cause_key"]
    list_filter = ["kind", "bucket"]
    search_fields = ["=member__external_id", "member__email", "=cause_key", "=order__external_id"]
    list_select_related = ["member", "order"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(PointsLot)
class PointsLotAdmin(ReadOnlyAdmin):
    list_display = ["id", "member", "points", "remaining", "state", "available_on", "expires_on"]
    list_filter = ["state"]
    search_fields = ["=member__external_id", "member__email"]
    list_select_related = ["member"]
    show_full_result_count = False


@admin.register(TierHistory)
class TierHistoryAdmin(ImportLinksMixin, ReadOnlyAdmin):
    import_kinds = ["tiers"]
    list_display = ["changed_at", "member", "from_tier", "to_tier", "reason"]
    list_filter = ["to_tier", "from_tier"]
    search_fields = ["=member__external_id", "member__email"]
    list_select_related = ["member", "from_tier", "to_tier"]


@admin.register(MemberMerge)
class MemberMergeAdmin(ReadOnlyAdmin):
    list_display = ["merged_at", "survivor", "duplicate_external_id", "merged_by"]
    search_fields = ["duplicate_external_id", "=survivor__external_id"]
    list_select_related = ["survivor", "merged_by"]
