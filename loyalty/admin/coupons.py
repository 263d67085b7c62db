from django.contrib import admin
from django.utils import formats
from django.utils.translation import gettext_lazy as _


from core.admin_history import ConfigurationHistoryAdmin
from core.admin_money import money_column
from core.admin_translations import TranslatedContentAdmin
from core.money import money_format

from ..models import Coupon, CouponRedemption, CouponTemplate, DiscountKind, Reward


@admin.register(CouponTemplate)
class CouponTemplateAdmin(TranslatedContentAdmin, ConfigurationHistoryAdmin):
    translated_fields = ("name",)
    list_display = ["name", "discount", "min_order_total_money", "validity_days", "max_uses",
                    "per_member_limit", "active"]
    list_filter = ["discount_kind", "active"]
    search_fields = ["name"]
    min_order_total_money = money_column(CouponTemplate, "min_order_total")

    @admin.display(description=_("discount"), ordering="discount_value")
    def discount(self, template):
        if template.discount_kind == DiscountKind.PERCENT:
            return f"{formats.number_format(template.discount_value.normalize())}\xa0%"
        return money_format(template.discount_value)


class CouponRedemptionInline(admin.TabularInline):
    model = CouponRedemption
    extra = 0
    can_delete = False
    fields = ["redeemed_at", "member", "order_external_id", "order_total_money", "discount_money"]
    readonly_fields = fields
    order_total_money = money_column(CouponRedemption, "order_total")
    discount_money = money_column(CouponRedemption, "discount")

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
    list_display = ["redeemed_at", "coupon", "member", "order_external_id", "order_total_money", "discount_money"]
    search_fields = ["=coupon__code", "=order_external_id", "=member__external_id"]
    list_select_related = ["coupon", "member"]
    order_total_money = money_column(CouponRedemption, "order_total")
    discount_money = money_column(CouponRedemption, "discount")

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
