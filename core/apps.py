from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Settings and API")
    default = True

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI extension)
        from . import task_request_id  # noqa: F401  (connects the Celery request id signals)
        from .third_party_names import third_party_names_install

        third_party_names_install()


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with `core.admin_site.StaffAdminSite` as `admin.site` (second factor, lockout)."""

    default = False  # named in INSTALLED_APPS as core.apps.StaffAdminConfig
    default_site = "core.admin_site.StaffAdminSite"
