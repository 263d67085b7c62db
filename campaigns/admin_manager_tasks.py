"""The managers' queue in admin: whom to call (name, phone, a link to the member's whole story), by when, and
who calls; a manager takes tasks with "Assign to me"."""
import datetime as dt

from django.contrib import admin, messages
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


class ManagerTaskAdmin(admin.ModelAdmin):
    """Open tasks by due date; filter by status, assignee, campaign and due; take or close several at once."""

    list_display = ["task", "member_name", "member_phone", "assignee", "due", "status"]
    list_display_links = ["task"]
    list_filter = ["status", ("assignee", admin.RelatedOnlyFieldListFilter), "campaign", DueFilter]
    list_editable = ["status"]
    list_select_related = ["member", "campaign", "assignee"]
    search_fields = ["title", "member__external_id", "member__phone", "member__last_name"]
    raw_id_fields = ["member"]
    autocomplete_fields = ["assignee"]
    readonly_fields = ["member_name", "member_phone", "created_at", "done_at"]
    fields = ["title", "member", "member_name", "member_phone", "campaign", "assignee", "due_on", "status",
              "notes", "created_at", "done_at"]
    actions = ["assign_to_me", "mark_done"]

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
