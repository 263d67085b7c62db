"""The client's address: the one function every rate limit, lockout and consent proof reads it from.

`X-Forwarded-For` is trusted only as far as TRUSTED_PROXY_COUNT proxies of our own (default 0: the header
is ignored and REMOTE_ADDR is the client). Each trusted proxy appends the address it was connected from, so
with N of them the client is the N-th entry from the right; anything left of it was written by the client
and is ignored, which is what makes rotating the header useless.
"""
import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client address of a Django (or DRF) request, as text; REMOTE_ADDR when the header does not help."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    # Fewer entries than proxies: the request entered behind the outermost one; its leftmost entry was
    # still written by a proxy of ours.
    candidate = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
