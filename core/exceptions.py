"""One domain error type, mapped to HTTP in one place.

Services raise `DomainError` (or a subclass) with a stable `code`; the API handler turns it and
DRF/Django validation errors into the same JSON shape:

    {"error": {"code": "insufficient_points", "message": "...", "fields": {"amount": ["..."]}}}

A 500 also carries `request_id` (the X-Request-ID of the response) to quote when reporting it; Django-level
errors on `/api/` (before DRF, or unhandled) get the same shape from core.api_input.ApiInputMiddleware.
"""
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the operation. Nothing was written."""

    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message, *, code=None, fields=None, http_status=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if http_status:
            self.http_status = http_status
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND


class Conflict(DomainError):
    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


class TooManyAttempts(DomainError):
    """Refused until `retry_after` seconds have passed: 429 with a `Retry-After` header (whole seconds)."""

    code = "too_many_attempts"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message, *, retry_after: float, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, math.ceil(retry_after))


def error_body(code, message, fields=None, *, request_id=None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if request_id:
        body["error"]["request_id"] = request_id
    return body


def _as_field_messages(detail):
    if isinstance(detail, dict):
        return {key: _as_field_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _as_field_messages(item) for item in detail]
    return [str(detail)]


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("invalid", "Invalid input.", fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", str(exc)), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", "Invalid input.", _as_field_messages(fields))
    else:
        code = getattr(exc, "default_code", "error")
        detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
        response.data = error_body(code, str(detail))
    return response
