"""/health/ready for orchestrators and deploys, /metrics for Prometheus (`/health/` stays in core: liveness)."""
import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import metrics_exposition
from .readiness import readiness


@require_GET
def health_ready(request):
    """200 with each check's result when all pass; 503 naming the failing ones otherwise."""
    ready, checks = readiness()
    body = {"status": "ok" if ready else "fail", "checks": checks}
    if not ready:
        body["failing"] = [name for name, result in checks.items() if not result["ok"]]
    return JsonResponse(body, status=200 if ready else 503)


def metrics_access_allowed(request) -> bool:
    """The bearer token METRICS_TOKEN, or a direct peer address in METRICS_ALLOWED_IPS; neither set: nobody.

    The address is the TCP peer (REMOTE_ADDR), never a forwarded header: list the Prometheus server's
    address, not a proxy's, or every client the proxy forwards would pass.
    """
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics(request):
    if not metrics_access_allowed(request):
        return JsonResponse({"error": {"code": "forbidden", "message": "Metrics need the metrics token.",
                                       "fields": {}}}, status=403)
    return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_LATEST)
