"""Staff views of members' app sessions and sign-in codes; secrets are hashes, so nothing here can sign anyone in."""
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

from .models import MemberToken, SignInCode


@admin.register(MemberToken)
class MemberTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "client", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at", "created_at"]
    search_fields = ["user__username", "user__email", "user__member__external_id", "prefix"]
    readonly_fields = ["user", "prefix", "key_hash", "client", "created_at", "last_used_at", "expires_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens (signs those apps out)"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {
            "count": count}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(SignInCode)
class SignInCodeAdmin(admin.ModelAdmin):
    list_display = ["member", "channel", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["channel", "created_at"]
    search_fields = ["member__external_id", "member__email", "member__phone"]
    readonly_fields = ["member", "channel", "code_hash", "salt", "created_at", "expires_at", "attempts", "used_at"]

    def has_add_permission(self, request):
        return False
