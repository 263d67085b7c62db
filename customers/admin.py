import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from core.admin_translations import TranslatedContentAdmin
from core.exceptions import DomainError

from .admin_imports import ImportLinksMixin
from .models import AttributeDefinition, ConsentRecord, EngagementEvent, Member, MemberErasure
from .personal_data import member_data_export, member_erase
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
class MemberAdmin(ImportLinksMixin, PhoneSearchMixin, admin.ModelAdmin):
    import_kinds = ["members"]
    list_display = ["external_id", "first_name", "last_name", "email", "phone", "region", "registered_at", "email_consent"]
    list_filter = ["gender", "region", "registration_channel", "email_consent", "sms_consent", "push_consent", "preferred_channel"]
    search_fields = ["external_id", "email", "phone", "card_number", "first_name", "last_name", "referral_code"]
    date_hierarchy = "registered_at"
    raw_id_fields = ["user", "referred_by"]
    readonly_fields = ["created_at", "updated_at", "personal_data_consent", "email_consent", "sms_consent", "push_consent"]
    inlines = [ConsentRecordInline]
    show_full_result_count = False  # a COUNT(*) over millions of members on every page is not worth it
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Export personal data (JSON)"))
    def export_personal_data(self, request, queryset):
        members = list(queryset[:100])  # a request of a few members, not a bulk export (that is export_members)
        exports = [member_data_export(member=member) for member in members]
        body = json.dumps(exports[0] if len(exports) == 1 else exports, cls=DjangoJSONEncoder, ensure_ascii=False,
                          indent=2)
        name = members[0].external_id if len(members) == 1 else f"{len(members)}-members"
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{name}-{timezone.now():%Y%m%d}.json"'
        return response

    @admin.action(description=_("Erase personal data (anonymise)…"))
    def erase_personal_data(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            context = {**self.admin_site.each_context(request), "opts": self.model._meta, "members": queryset,
                       "title": gettext("Erase personal data"),
                       "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "admin/customers/member/erase_confirmation.html", context)
        erased = 0
        for member in queryset:  # a few members at a time, each in its own transaction through the service
            try:
                member_erase(member=member, erased_by=request.user)
                erased += 1
            except DomainError as error:
                self.message_user(request, f"{member}: {error.message}", messages.WARNING)
        self.message_user(request, ngettext("%(count)d member erased.", "%(count)d members erased.", erased)
                          % {"count": erased}, messages.SUCCESS)
        return None


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(TranslatedContentAdmin, admin.ModelAdmin):
    translated_fields = ("label", "description")
    translated_options = True
    list_display = ["key", "label", "type", "multiple", "member_editable"]
    list_filter = ["type", "member_editable"]
    search_fields = ["key", "label"]


@admin.register(EngagementEvent)
class EngagementEventAdmin(ImportLinksMixin, admin.ModelAdmin):
    import_kinds = ["engagement"]
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


@admin.register(MemberErasure)
class MemberErasureAdmin(admin.ModelAdmin):
    """The erasures' audit: read-only."""

    list_display = ["pseudonym", "erased_at", "erased_by"]
    search_fields = ["=pseudonym"]
    readonly_fields = ["member", "pseudonym", "erased_by", "erased_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
