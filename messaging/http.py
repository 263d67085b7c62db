"""One pooled HTTP client per worker process for every provider call.

Connections are reused across messages and batches (keep-alive, HTTP/2 where the provider offers it); a
forked worker gets its own client, never its parent's sockets. `provider_request` retries, with exponential
backoff, only what is safe and temporary: a connection that could not be made (the request never left) and
the answers that say "not now" (429, 502, 503, 504, honouring a short Retry-After). A timeout after the
request was sent, or a 500, is not repeated here: the provider may have acted on it, so the outbox decides
(a later attempt with the same idempotency key).
"""
import logging
import os
import socket
import threading
import time

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)
RETRY_STATUSES = {429, 502, 503, 504}

_clients: dict[bool, httpx.Client] = {}
_client_pid: int | None = None
_lock = threading.Lock()


def http_client(*, http2: bool = False) -> httpx.Client:
    """The process's pooled client (created on first use, again after a fork).

    `http2=True` gives the HTTP/2-only client (APNs speaks nothing else): negotiated by ALPN over TLS, by prior
    knowledge on a cleartext URL (a local fake); its requests share one multiplexed connection per host.
    """
    global _client_pid
    if _client_pid != os.getpid() or http2 not in _clients:
        with _lock:
            if _client_pid != os.getpid():
                _clients.clear()  # the parent's sockets are not ours
                _client_pid = os.getpid()
            if http2 not in _clients:
                # TCP_NODELAY: a request's headers and body (separate writes) leave at once instead of the
                # body waiting for the provider's delayed ACK of the headers, ~40 ms a request without it.
                transport = httpx.HTTPTransport(
                    http1=not http2, http2=http2, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                    limits=httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=60))
                _clients[http2] = httpx.Client(
                    transport=transport, headers={"User-Agent": "loyalty-messaging/1"},
                    timeout=httpx.Timeout(settings.MESSAGING_HTTP_TIMEOUT, connect=settings.MESSAGING_HTTP_CONNECT_TIMEOUT),
                )
    return _clients[http2]


def http_client_reset() -> None:
    """Close the pooled clients (tests; a worker shutting down)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def provider_request(method: str, url: str, *, http2: bool = False, **kwargs) -> httpx.Response:
    """Send one provider call through the pooled client, retrying temporary failures with backoff.

    Returns the last response (a 429/5xx after the last retry included, for the caller to map); raises
    httpx.TransportError when the provider cannot be reached or does not answer in time.
    """
    attempts = settings.MESSAGING_HTTP_RETRIES + 1
    for attempt in range(1, attempts + 1):
        try:
            response = http_client(http2=http2).request(method, url, **kwargs)
        except httpx.ConnectError:
            if attempt == attempts:
                raise
            _sleep(attempt, None)
            continue
        if response.status_code in RETRY_STATUSES and attempt < attempts:
            logger.info("provider_request_retry url=%s status=%s attempt=%s", url, response.status_code, attempt)
            _sleep(attempt, response.headers.get("Retry-After"))
            continue
        return response
    raise AssertionError("unreachable")  # pragma: no cover


def _sleep(attempt: int, retry_after: str | None) -> None:
    delay = settings.MESSAGING_HTTP_BACKOFF * 2 ** (attempt - 1)
    if retry_after and retry_after.isdigit():
        delay = max(delay, float(retry_after))
    time.sleep(min(delay, settings.MESSAGING_HTTP_MAX_BACKOFF))
