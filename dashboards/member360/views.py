"""The Member 360 page, at /admin/customers/member/<id>/360/ beside the member's admin pages."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from segments.selectors import rfm_segment_labels

from .sections import member_360_consents, member_360_profile, member_360_segments, member_360_stage_history
from .timeline import member_360_timeline


def member_360(request, member_id):
    if not request.user.has_perm("customers.view_member"):
        raise PermissionDenied
    member = member_360_profile(member_id)
    events, next_cursor = member_360_timeline(member, before=request.GET.get("before"))
    if request.GET.get("fragment") == "timeline":  # "Show more": the next rows only
        response = render(request, "dashboards/member360/_timeline_rows.html", {"events": events})
        response["X-Next-Cursor"] = next_cursor or ""
        return response
    context = {
        **admin.site.each_context(request), "title": _("Member 360: %(member)s") % {"member": member},
        "member": member, "account": getattr(member, "account", None),
        "lifecycle": getattr(member, "lifecycle", None), "stats": getattr(member, "stats", None),
        "rfm_segment": rfm_segment_labels().get(getattr(getattr(member, "stats", None), "rfm_segment", ""), ""),
        "consents": member_360_consents(member), "transitions": member_360_stage_history(member),
        "segments": member_360_segments(member), "events": events, "next_cursor": next_cursor,
        "first_page": not request.GET.get("before"), "opts": member._meta,
    }
    return render(request, "dashboards/member360/page.html", context)


member_360_view = admin.site.admin_view(member_360)
