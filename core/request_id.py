"""One id per request (and per task run), readable anywhere the work happens.

`RequestIdMiddleware` takes a sane `X-Request-ID` from the client (a proxy or the POS may set one) or
makes a new one, keeps it in a context variable for the length of the request, and returns it on the
response header. `current_request_id()` reads it (for error bodies and logs); `RequestIdLogFilter`
puts it on every log record as `request_id`. Celery tasks run under their own task id, with the id of the
request (or task) that enqueued them as `origin_request_id` (core.task_request_id).
"""
import contextlib
import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# A client's id is kept only when it is short and plain, so it cannot inject into logs or headers.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_origin_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("origin_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request or task being handled, or None outside one."""
    return _request_id.get()


def current_origin_request_id() -> str | None:
    """In a task: the id of the request or task that enqueued it (None when unknown)."""
    return _origin_request_id.get()


@contextlib.contextmanager
def bind_request_id(request_id: str | None = None, *, origin: str | None = None):
    """Run a block (a task, a command) under `request_id`, or a new id; `origin` is who asked for it."""
    token = _request_id.set(request_id or new_request_id())
    origin_token = _origin_request_id.set(origin)
    try:
        yield _request_id.get()
    finally:
        _origin_request_id.reset(origin_token)
        _request_id.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get(_META_KEY, "")
        request_id = offered if _ACCEPTABLE.match(offered) else new_request_id()
        request.request_id = request_id
        with bind_request_id(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` ("-" outside a request) and `origin_request_id` (None unless in a task a request
    enqueued) to each record, for any formatter to use."""

    def filter(self, record):
        # Django logs a 4xx/5xx response (django.request) after the middleware has unbound the id; the record
        # then carries the request, which still has it.
        request = getattr(record, "request", None)
        record.request_id = _request_id.get() or getattr(request, "request_id", None) or "-"
        record.origin_request_id = _origin_request_id.get()
        return True
