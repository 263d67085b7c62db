"""Channel back ends: one small interface per way out (email, SMS, push, webhook), chosen in settings.

settings.CAMPAIGNS_CHANNEL_BACKENDS maps a channel to a dotted class path; each class implements
`ChannelBackend`. Email goes through Django's email back end (console, SMTP or any Anymail provider).
"""
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult  # noqa: F401


@cache
def _backend_class(path: str):
    return import_string(path)


def channel_backend(channel: str) -> ChannelBackend:
    """A fresh back end for `channel` (one per worker batch, so connections are reused within it)."""
    path = settings.CAMPAIGNS_CHANNEL_BACKENDS.get(channel)
    if not path:
        raise PermanentSendError(f"no back end configured for channel {channel!r}")
    return _backend_class(path)()
