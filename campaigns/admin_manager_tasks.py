"""The managers' queue in admin: whom to call (name, phone, a link to the member's whole story), by when, and
who calls; a manager takes tasks with "Assign to me"."""
import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import path
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from core.timezones import shop_today
from customers.phones import phone_display

from .models import ManagerTask
from .services.manager_tasks import OPEN_STATUSES, manager_tasks_assign, manager_tasks_close


class DueFilter(admin.SimpleListFilter):
    """Due dates as a manager plans the day: what is late, what is for today, what comes this week."""

    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("today", _("Due today")), ("week", _("Next 7 days")),
                ("later", _("Later"))]

    def queryset(self, request, queryset):
        today = shop_today()
        week = today + dt.timedelta(days=7)
        ranges = {
            "overdue": {"due_on__lt": today, "status__in": OPEN_STATUSES},
            "today": {"due_on": today},
            "week": {"due_on__gt": today, "due_on__lte": week},
            "later": {"due_on__gt": week},
        }
        return queryset.filter(**ranges[self.value()]) if self.value() in ranges else queryset


ASSIGNEE_PERMISSIONS = ("campaigns.change_managertask", "campaigns.add_managertask", "campaigns.change_campaign",
                        "campaigns.add_campaign")


class StaffAssigneeAutocomplete(AutocompleteJsonView):
    """Staff to give a task to, for whoever may change tasks or campaigns (no auth.view_user needed): the
    field's own limit (active staff) and names only, nothing else of the user."""

    def has_perm(self, request, obj=None):
        return any(request.user.has_perm(permission) for permission in ASSIGNEE_PERMISSIONS)

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": obj.get_full_name() or obj.get_username()}


class StaffAssigneeSelect(AutocompleteSelect):
    url_name = "%s:campaigns_staff_assignee_autocomplete"


class StaffAssigneeMixin:
    """ModelAdmin/inline mixin: these user fields pick staff through StaffAssigneeAutocomplete."""

    staff_assignee_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.staff_assignee_fields:
            kwargs["widget"] = StaffAssigneeSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ManagerTaskAdmin(StaffAssigneeMixin, admin.ModelAdmin):
    """Open tasks by due date; filter by status, assignee, campaign and due; take or close several at once."""

    list_display = ["task", "member_name", "member_phone", "assignee", "due", "status"]
    list_display_links = ["task"]
    list_filter = ["status", ("assignee", admin.RelatedOnlyFieldListFilter), "campaign", DueFilter]
    list_editable = ["status"]
    list_select_related = ["member", "campaign", "assignee"]
    search_fields = ["title", "member__external_id", "member__phone", "member__last_name"]
    raw_id_fields = ["member"]
    staff_assignee_fields = ("assignee",)
    readonly_fields = ["member_name", "member_phone", "created_at", "done_at"]
    fields = ["title", "member", "member_name", "member_phone", "campaign", "assignee", "due_on", "status",
              "notes", "created_at", "done_at"]
    actions = ["assign_to_me", "mark_done"]

    def get_urls(self):
        view = self.admin_site.admin_view(StaffAssigneeAutocomplete.as_view(admin_site=self.admin_site))
        return [path("staff-autocomplete/", view, name="campaigns_staff_assignee_autocomplete"), *super().get_urls()]

    @admin.display(description=_("Task"), ordering="title")
    def task(self, task):
        # the campaign under the title: one column less, so the list fits a laptop's width
        if not task.campaign_id:
            return task.title
        return format_html('{}<br><small class="quiet">{}</small>', task.title, task.campaign)

    @admin.display(description=_("Member"), ordering="member__last_name")
    def member_name(self, task):
        if not task.member_id:
            return "—"
        return format_html('<a href="{}" title="{}">{}</a>', reverse("member-360", args=[task.member_id]),
                           gettext("Member 360"), task.member)

    @admin.display(description=_("Phone"), ordering="member__phone")
    def member_phone(self, task):
        if not task.member_id or not task.member.phone:
            return "—"
        return format_html('<a href="tel:{}">{}</a>', task.member.phone, phone_display(task.member.phone))

    @admin.display(description=_("Due"), ordering="due_on")
    def due(self, task):
        late = task.status in OPEN_STATUSES and task.due_on < shop_today()
        date = format_html("{}", task.due_on.strftime("%d.%m.%Y"))
        return format_html('<span class="overdue" title="{}">{}</span>', gettext("Overdue"), date) if late else date

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        assigned = manager_tasks_assign(tasks=queryset, assignee=request.user)
        self.message_user(request, ngettext("%(count)s task is yours now.", "%(count)s tasks are yours now.",
                                            assigned) % {"count": assigned}, messages.SUCCESS)

    @admin.action(description=_("Mark done"))
    def mark_done(self, request, queryset):
        closed = manager_tasks_close(tasks=queryset)
        self.message_user(request, ngettext("%(count)s task closed.", "%(count)s tasks closed.", closed)
                          % {"count": closed}, messages.SUCCESS)


admin.site.register(ManagerTask, ManagerTaskAdmin)
