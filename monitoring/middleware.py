"""Counts and times every HTTP request by method, route name and status (first in MIDDLEWARE)."""
import time

from django.conf import settings

from .metrics import HTTP_LATENCY, HTTP_REQUESTS

# Any other method is "other": a client cannot grow the label set by inventing methods (nor paths: unmatched
# paths share one route label).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in KNOWN_METHODS else "other"
        match = request.resolver_match
        if match is not None:
            route = match.view_name
        else:
            route = "static" if request.path.startswith(self.static_prefix) else "unmatched"
        HTTP_LATENCY.labels(method, route).observe(elapsed)
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response
