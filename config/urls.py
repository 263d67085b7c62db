from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import health
from dashboards.member360.views import member_360_view

urlpatterns = [
    path("admin/dashboards/", include("dashboards.urls")),
    path("admin/customers/member/<int:member_id>/360/", member_360_view, name="member-360"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("", include("monitoring.urls")),  # /health/ready, /metrics
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Each app owns its URLs; these includes never need editing when an app grows.
    path("api/v1/", include("loyalty.urls")),
    path("api/v1/", include("events.urls")),
    path("api/v1/", include("segments.urls")),
    path("api/v1/", include("campaigns.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("analytics/", include("analytics.urls")),
    path("m/", include("campaigns.public_urls")),
    path("hooks/", include("messaging.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
]
