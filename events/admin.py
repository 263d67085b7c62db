from django.contrib import admin

from .models import Event, EventType

@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "is_active", "is_builtin", "updated_at"]
    list_filter = ["is_active", "is_builtin"]
    search_fields = ["key", "name"]
    readonly_fields = ["is_builtin", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A built-in type's key is what the platform records under; renaming it would orphan the events.
        return [*self.readonly_fields, "key", "properties_schema"] if obj and obj.is_builtin else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_builtin

@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events are append-only and arrive through the API or the platform itself."""

    list_display = ["occurred_at", "type", "member", "anonymous_id", "source", "event_id"]
    list_filter = ["type"]
    search_fields = ["=member__external_id", "=anonymous_id", "=event_id"]
    list_select_related = ["type", "member"]
    show_full_result_count = False  # counting tens of millions of rows on every page view would be slow
    readonly_fields = ["source", "event_id", "type", "member", "anonymous_id", "occurred_at", "received_at", "properties"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
