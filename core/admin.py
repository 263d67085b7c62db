from django.contrib import admin, messages
from django.utils import timezone

from .api_keys import api_key_create
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    fields = ["name", "scopes"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["scopes"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created, raw = api_key_create(name=obj.name, scopes=obj.scopes or [])
        obj.pk = created.pk
        self.message_user(request, f"The key is shown only now; copy it: {raw}", messages.WARNING)

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
