from django.contrib import admin

from ..models import Category, Order, OrderLine, OrderReturn, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category"]
    list_filter = ["category"]
    search_fields = ["sku", "name"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


class OrderReturnInline(admin.TabularInline):
    model = OrderReturn
    extra = 0
    can_delete = False
    fields = ["created_at", "cause_key", "lines", "points_reversed"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "member", "created_at", "status", "total", "currency", "channel", "store"]
    list_filter = ["status", "channel", "currency", "source"]
    search_fields = ["external_id", "member__external_id", "member__email", "store"]
    date_hierarchy = "created_at"
    raw_id_fields = ["member"]
    inlines = [OrderLineInline, OrderReturnInline]
    show_full_result_count = False
