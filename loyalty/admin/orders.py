from django import forms
from django.contrib import admin
from django.db import models

from core.admin_money import money_column
from core.exceptions import DomainError
from customers.admin_imports import ImportLinksMixin

from ..models import Category, Order, OrderLine, OrderReturn, Product
from ..services.catalogue import category_save, category_validate


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "parent"]

    def clean(self):
        cleaned = super().clean()
        candidate = Category(pk=self.instance.pk, name=cleaned.get("name") or "", parent=cleaned.get("parent"))
        try:  # the checks category_save makes, shown on the form instead of an error page
            category_validate(category=candidate)
        except DomainError as exc:
            for field, messages in exc.fields.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Moving or renaming a category moves its subtree with it (category_save rewrites their paths)."""

    form = CategoryForm
    list_display = ["path", "name", "parent"]
    search_fields = ["path"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        category_save(category=obj)


@admin.register(Product)
class ProductAdmin(ImportLinksMixin, admin.ModelAdmin):
    import_kinds = ["products"]
    list_display = ["sku", "name", "brand", "category", "price_money"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["category"]
    search_fields = ["sku", "name", "brand"]
    price_money = money_column(Product, "price")


class OrderLineInline(admin.TabularInline):
    """Read-only: what a line earned and what a return takes back are computed from its quantities."""

    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["product", "quantity", "unit_price_money", "returned_quantity"]
    readonly_fields = fields
    unit_price_money = money_column(OrderLine, "unit_price")  # orders are in the shop's currency (order_create)

    def has_add_permission(self, request, obj=None):
        return False


class OrderReturnInline(admin.TabularInline):
    model = OrderReturn
    extra = 0
    can_delete = False
    fields = ["created_at", "cause_key", "lines", "points_reversed"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ImportLinksMixin, admin.ModelAdmin):
    import_kinds = ["orders", "order_lines"]
    list_display = ["external_id", "member", "created_at", "status", "total_money", "channel", "store"]
    list_filter = ["status", "channel", "currency", "source"]
    search_fields = ["external_id", "member__external_id", "member__email", "store"]
    date_hierarchy = "created_at"
    raw_id_fields = ["member"]
    # The status moves only through the order state machine (the API), which reverses what the order earned.
    readonly_fields = ["status", "earned_at"]
    inlines = [OrderLineInline, OrderReturnInline]
    show_full_result_count = False
    total_money = money_column(Order, "total", currency_field="currency")
