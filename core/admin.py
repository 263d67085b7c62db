from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy as _, ngettext


from .admin_history import ConfigurationHistoryAdmin
from .api_keys import api_key_create, api_key_revoke
from .models import ApiKey, IdempotencyKey, StaffTOTPDevice


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "rate_limit"]


@admin.register(ApiKey)
class ApiKeyAdmin(ConfigurationHistoryAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "scopes", "rate_limit", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["name", "scopes", "rate_limit"] + (["prefix", "created_at", "last_used_at", "revoked_at"] if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return ["scopes", "prefix", "created_at", "last_used_at", "revoked_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created, raw = api_key_create(name=obj.name, scopes=obj.scopes or [], rate_limit=obj.rate_limit)
        obj.pk = created.pk
        self.message_user(request, gettext("The key is shown only now; copy it: %(key)s") % {"key": raw},
                          messages.WARNING)

    @admin.action(description=_("Revoke selected keys"))
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        for api_key in keys:  # a handful of keys at most, each through the service
            api_key_revoke(api_key=api_key)
        self.message_user(request, ngettext("Revoked %(count)d key; requests with it now get 401.",
                                             "Revoked %(count)d keys; requests with them now get 401.", len(keys))
                          % {"count": len(keys)})


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: what a retry with a key will get, for support questions."""

    list_display = ["key", "owner", "method", "path", "response_status", "created_at", "expires_at"]
    list_filter = ["response_status", "method"]
    search_fields = ["key", "owner", "path"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StaffTOTPDevice)
class StaffTOTPDeviceAdmin(admin.ModelAdmin):
    """Staff users' authenticator apps: seen and removed here (a lost phone), added by their owner at
    /admin/two-factor/. The secret is never shown."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count",
              "throttling_failure_timestamp"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
