"""Input hardening of every API under `/api/` (POS, staff, members), before and around the views.

`ApiInputMiddleware` answers before any view: a body over API_MAX_BODY_BYTES is a 413, a URL over
API_MAX_URL_BYTES a 414, control characters or bad UTF-8 in the path or query string a 400. It also keeps
every error on `/api/` in the JSON error body: Django's own HTML pages (an unknown path, a request Django
refused, an unhandled exception) are replaced, a 500 with the request id.

The rest of the hardening: `core.parsers.ApiJSONParser` (JSON only, size, control characters in bodies)
and `core.serializers` (unknown keys, date window). The limits are documented in the README's
"Integration API" section.
"""
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

from .exceptions import error_body
from .parsers import CONTROL, CONTROL_MESSAGE, max_body_bytes, too_large_message
from .request_id import current_request_id

API_PREFIX = "/api/"


def _json_error(http_status: int, code: str, message, fields=None, request_id=None) -> JsonResponse:
    return JsonResponse(error_body(code, str(message), fields, request_id=request_id), status=http_status,
                        json_dumps_params={"ensure_ascii": False})


# What a Django-level error page on /api/ becomes.
_ERROR_CODES = {
    400: ("invalid", _("Invalid request.")),
    403: ("permission_denied", _("You do not have permission to perform this action.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("Method not allowed.")),
    413: ("request_too_large", _("The request body is too large.")),
}


def _refusal(request):
    """The error response for a request that no API view should see, or None."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = max_body_bytes()
    if length > limit:
        return _json_error(413, "request_too_large", too_large_message(limit))
    query = request.META.get("QUERY_STRING", "")
    url_limit = settings.API_MAX_URL_BYTES
    if len(request.path_info.encode("utf-8", "surrogateescape")) + len(query) > url_limit:
        return _json_error(414, "uri_too_long", _("The URL is longer than %(limit)s bytes.") % {"limit": url_limit})
    if CONTROL.search(request.path_info):
        return _json_error(400, "invalid", _("Invalid request."), {"path": [str(CONTROL_MESSAGE)]})
    try:
        decoded_query = unquote_to_bytes(query.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        return _json_error(400, "invalid", _("Invalid request."),
                           {"query": [str(_("The query string is not valid UTF-8."))]})
    if CONTROL.search(decoded_query):
        return _json_error(400, "invalid", _("Invalid request."), {"query": [str(CONTROL_MESSAGE)]})
    return None


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiInputMiddleware:
    """Refuses oversized and malformed requests on `/api/`, and keeps its errors in the JSON error shape.

    Placed right after RequestIdMiddleware, so every answer it makes carries the request id header, and
    everything below it (the views, Django's own handlers) is covered by the JSON rewrite.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        response = _refusal(request) or self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = self._as_json(response)
        return response

    @staticmethod
    def _as_json(response):
        """Django's HTML error page as the JSON error body (a 500 names the request id to quote)."""
        if response.status_code >= 500:
            return _json_error(500, "server_error", _("Internal server error. Quote the request id when reporting it."),
                               request_id=current_request_id())
        code, message = _ERROR_CODES.get(response.status_code, ("error", _("Invalid request.")))
        replaced = _json_error(response.status_code, code, message)
        for header in ("Allow", "Retry-After"):
            if header in response:
                replaced[header] = response[header]
        return replaced
