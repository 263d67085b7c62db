from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "purpose", "channel", "sent_channel", "member", "subject", "status", "reason", "due_at",
                    "attempts", "sent_at"]
    list_filter = ["status", "purpose", "channel", "sent_channel"]
    search_fields = ["dedupe_key", "to", "sent_to", "subject", "member__external_id", "member__email"]
    raw_id_fields = ["member"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
