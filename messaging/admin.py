"""Staff view of members' push devices (the token is shown: it only lets the shop's own app key send to it)."""
from django.contrib import admin

from .models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["member", "platform", "created_at", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["member__external_id", "member__email", "push_token"]
    raw_id_fields = ["member"]
