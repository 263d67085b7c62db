from django.urls import path, re_path

from .views import health_ready, metrics

urlpatterns = [
    re_path(r"^health/ready/?$", health_ready, name="health-ready"),
    path("metrics", metrics, name="metrics"),
]
