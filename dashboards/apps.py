from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self):
        from django.contrib import admin

        # The admin index links to the dashboards (the template extends admin/index.html).
        admin.site.index_template = "dashboards/admin_index.html"
