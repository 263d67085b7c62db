"""Staff views: members' push devices (the token is shown: it only lets the shop's own app key send to it), what
each push message did on each device, and suppressed email addresses with their reason."""
from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy as _

from .email.suppression import email_suppression_lift
from .models import Device, EmailSuppression, PushDelivery


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["member", "platform", "created_at", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["member__external_id", "member__email", "push_token"]
    raw_id_fields = ["member"]


class ActiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Active")), ("no", _("Lifted"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(lifted_at__isnull=self.value() == "yes")
        return queryset


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(admin.ModelAdmin):
    list_display = ["address", "reason", "detail", "source", "created_at", "lifted_at", "lift_reason"]
    list_filter = [ActiveFilter, "reason", "source"]
    search_fields = ["address"]
    raw_id_fields = ["member"]
    readonly_fields = ["created_at", "lifted_at", "lift_reason", "message_ref"]
    actions = ["lift"]

    @admin.action(description=_("Lift: send email to these addresses again"))
    def lift(self, request, queryset):
        lifted = sum(email_suppression_lift(address=row.address, why=f"lifted by {request.user}")
                     for row in queryset.filter(lifted_at__isnull=True))
        self.message_user(request, gettext("%(count)d addresses lifted.") % {"count": lifted}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        obj.address = obj.address.strip().lower()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # lift instead: the row keeps why the address was blocked and who lifted it


@admin.register(PushDelivery)
class PushDeliveryAdmin(admin.ModelAdmin):
    """Per-device outcomes of push messages: search by the outbox message's key (outbox-<id>) or the member."""

    list_display = ["message_ref", "member", "platform", "provider", "status", "reason", "updated_at"]
    list_filter = ["status", "platform", "provider"]
    search_fields = ["=message_ref", "member__external_id"]
    readonly_fields = ["message_ref", "member", "device", "platform", "provider", "status", "provider_id", "reason",
                       "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
