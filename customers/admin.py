from django.contrib import admin

from .models import AttributeDefinition, ConsentRecord, EngagementEvent, Member
from .phones import phone_or_none


class PhoneSearchMixin:
    """Admin search that also finds a member's phone typed in any form: `8 (999) 000-11-22`, `+7 999 000 11 22`
    and `89990001122` all find `+79990001122` (one indexed equality besides the usual search)."""

    phone_search_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = phone_or_none(search_term) if any(ch.isdigit() for ch in search_term) else None
        if phone:
            results |= queryset.filter(**{self.phone_search_field: phone})
        return results, may_have_duplicates


class ConsentRecordInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    fields = ["purpose", "granted", "occurred_at", "method", "source", "evidence"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = ["external_id", "first_name", "last_name", "email", "phone", "region", "registered_at", "email_consent"]
    list_filter = ["gender", "region", "registration_channel", "email_consent", "sms_consent", "push_consent", "preferred_channel"]
    search_fields = ["external_id", "email", "phone", "card_number", "first_name", "last_name", "referral_code"]
    date_hierarchy = "registered_at"
    raw_id_fields = ["user", "referred_by"]
    readonly_fields = ["created_at", "updated_at", "personal_data_consent", "email_consent", "sms_consent", "push_consent"]
    inlines = [ConsentRecordInline]
    show_full_result_count = False  # a COUNT(*) over millions of members on every page is not worth it


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "type", "multiple", "member_editable"]
    list_filter = ["type", "member_editable"]
    search_fields = ["key", "label"]


@admin.register(EngagementEvent)
class EngagementEventAdmin(admin.ModelAdmin):
    list_display = ["member", "channel", "kind", "occurred_at", "message_ref", "campaign"]
    list_filter = ["channel", "kind"]
    search_fields = ["member__external_id", "member__email", "message_ref", "campaign"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["member"]
    show_full_result_count = False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["member", "purpose", "granted", "occurred_at", "method", "source"]
    list_filter = ["purpose", "granted", "method"]
    search_fields = ["member__external_id", "member__email", "source"]
    raw_id_fields = ["member"]

    def has_change_permission(self, request, obj=None):
        return False  # the proof of consent is never edited, only appended to
