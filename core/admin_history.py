"""The admin's configuration history (django-simple-history): who changed what, when, before and after.

Configuration admins (earning rules, tiers, programme settings, coupon templates, rewards, campaigns and their
steps, lifecycle stages, send rules, API keys, webhook subscriptions) derive from `ConfigurationHistoryAdmin`; their
"History" page lists each saved version with its author and the fields it changed (old → new). The history is an
audit record, so it is read-only: no version is restored from it (restoring an API key's old row would un-revoke
it), a change goes through the object's own form.
"""
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class ConfigurationHistoryAdmin(SimpleHistoryAdmin):
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied  # the revert button is hidden; a hand-made POST is refused too
        return super().history_form_view(request, object_id, version_id, extra_context)

    def related_history(self, request, records):
        """Records of another model (a campaign's steps) with the changed fields of each, newest first."""
        records = list(records.select_related("history_user"))
        by_object = {}
        for record in reversed(records):  # oldest first, so each record knows the one before it
            previous = by_object.get(record.id)
            record.changes = []
            if previous is not None:
                delta = record.diff_against(previous)
                record.changes = [(change.field, change.old, change.new) for change in delta.changes]
            by_object[record.id] = record
        return records
