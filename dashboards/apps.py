from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from django.contrib import admin

        # The admin index links to the dashboards (the template extends admin/index.html).
        admin.site.index_template = "dashboards/admin_index.html"
