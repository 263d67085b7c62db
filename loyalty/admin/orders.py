from django.contrib import admin

from ..models import Category, Order, OrderLine, Product


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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "member", "created_at", "status", "total", "currency", "channel", "store"]
    list_filter = ["status", "channel", "currency", "source"]
    search_fields = ["external_id", "member__external_id", "member__email", "store"]
    date_hierarchy = "created_at"
    raw_id_fields = ["member"]
    inlines = [OrderLineInline]
    show_full_result_count = False
