from django.contrib import admin


from core.admin_history import ConfigurationHistoryAdmin
from core.admin_translations import TranslatedContentAdmin

from ..models import Coupon, CouponRedemption, CouponTemplate, Reward


@admin.register(CouponTemplate)
class CouponTemplateAdmin(TranslatedContentAdmin, ConfigurationHistoryAdmin):
    translated_fields = ("name",)
    list_display = ["name", "discount_kind", "discount_value", "min_order_total", "validity_days", "max_uses",
                    "per_member_limit", "active"]
    list_filter = ["discount_kind", "active"]
    search_fields = ["name"]


class CouponRedemptionInline(admin.TabularInline):
    model = CouponRedemption
    extra = 0
    can_delete = False
    fields = ["redeemed_at", "member", "order_external_id", "order_total", "discount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "template", "member", "source", "issued_at", "expires_at", "uses", "max_uses"]
    list_filter = ["template", "source"]
    search_fields = ["=code", "=member__external_id", "member__email"]
    list_select_related = ["template", "member"]
    raw_id_fields = ["member"]
    readonly_fields = ["code", "template", "member", "source", "cause_key", "issued_at", "uses", "max_uses"]
    inlines = [CouponRedemptionInline]
    date_hierarchy = "issued_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # coupons are issued through coupon_issue (staff use the member action)


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(admin.ModelAdmin):
    list_display = ["redeemed_at", "coupon", "member", "order_external_id", "order_total", "discount"]
    search_fields = ["=coupon__code", "=order_external_id", "=member__external_id"]
    list_select_related = ["coupon", "member"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reward)
class RewardAdmin(TranslatedContentAdmin, ConfigurationHistoryAdmin):
    translated_fields = ("name", "description")
    list_display = ["name", "points_cost", "template", "active"]
    list_filter = ["active"]
    list_editable = ["active"]
    search_fields = ["name"]
