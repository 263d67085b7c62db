from django.contrib import admin

from .models import ClvFit


@admin.register(ClvFit)
class ClvFitAdmin(admin.ModelAdmin):
    """Read-only history of CLV fits: what the nightly task (or `fit_clv`) estimated, and on what."""

    list_display = ["fitted_at", "as_of", "time_unit", "members", "repeat_members", "r", "alpha", "a", "b", "p", "q",
                    "v", "seconds"]
    list_filter = ["time_unit"]
    date_hierarchy = "fitted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
