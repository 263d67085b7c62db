"""What dashboards adds to the Member admin (owned by customers, which cannot see this floor): a link to each
member's Member 360 page in the list, and (dashboards/templates/admin/customers/member/change_form.html) on
the change page."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers.admin import MemberAdmin


@admin.display(description=_("Member 360"))
def member_360_link(member):
    return format_html('<a href="{}">360 →</a>', reverse("member-360", args=[member.pk]))


MemberAdmin.list_display = [*MemberAdmin.list_display, member_360_link]
