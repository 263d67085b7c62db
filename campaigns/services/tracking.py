"""Signed open-pixel and click-redirect links; each hit becomes an EngagementEvent (best hour, segments, funnel)."""
import re

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.html import escape

from core.links import public_url_for
from customers.models import EngagementEvent

TRACK_SALT = "campaigns.track"
URL = re.compile(r"https?://[^\s<>\"')]+")


def _url(name: str, token: str) -> str:
    # reverse() once per URL name (and base URL) with a marker, then format: it costs more than the rest of a message
    key = (settings.PUBLIC_BASE_URL, name)
    if key not in _PATTERNS:
        _PATTERNS[key] = public_url_for(name, "TOKEN")
    return _PATTERNS[key].replace("TOKEN", token)


_PATTERNS: dict[tuple[str, str], str] = {}


def open_pixel_url(*, message) -> str:
    token = signing.Signer(salt=TRACK_SALT).sign_object([message.pk, message.member_id, "email"], compress=True)
    return _url("campaigns_public:open", token)


def click_url(*, message, url: str) -> str:
    token = signing.Signer(salt=TRACK_SALT).sign_object([message.pk, message.member_id, "email", url], compress=True)
    return _url("campaigns_public:click", token)


def tracking_footer(html: str, *, message, unsubscribe: str) -> str:
    """A step's own HTML with the unsubscribe link and the open pixel put before </body> (or at the end)."""
    footer = (f"<hr><small><a href=\"{escape(unsubscribe)}\">Unsubscribe</a></small>"
              f"<img src=\"{escape(open_pixel_url(message=message))}\" width=\"1\" height=\"1\" alt=\"\">")
    head, marker, tail = html.rpartition("</body>")
    return f"{head}{footer}{marker}{tail}" if marker else html + footer


def tracking_event_record(*, token: str, kind: str) -> str | None:
    """Record an open or click from a signed token; returns the click's target URL. Raises BadSignature."""
    values = signing.Signer(salt=TRACK_SALT).unsign_object(token)
    outbox_id, member_id, channel = values[:3]
    if member_id:
        EngagementEvent.objects.create(member_id=member_id, channel=channel, kind=kind, occurred_at=timezone.now(),
                                       message_ref=f"outbox-{outbox_id}")
    return values[3] if kind == EngagementEvent.Kind.CLICK else None
