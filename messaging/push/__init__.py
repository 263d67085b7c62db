"""Push notifications: one interface (`PushProvider`), an adapter per provider (FCM HTTP v1, APNs), chosen per
device platform by MESSAGING_PUSH_PROVIDERS; `push_to_member` sends one logical message to every device."""
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (  # noqa: F401
    InvalidPushToken,
    PermanentPushError,
    PushNotification,
    PushProvider,
    TemporaryPushError,
)

PROVIDERS = {
    "fcm": "messaging.push.fcm.FcmProvider",
    "apns": "messaging.push.apns.ApnsProvider",
}


@cache
def _provider(name: str) -> PushProvider:
    from django.utils.module_loading import import_string

    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"push provider {name!r}: expected one of {sorted(PROVIDERS)}")
    return import_string(PROVIDERS[name])()


def push_provider(platform: str) -> PushProvider | None:
    """The provider that serves devices of `platform` (one per process: it caches its OAuth or provider token),
    or None when none is configured for it."""
    name = settings.MESSAGING_PUSH_PROVIDERS.get(platform, "")
    return _provider(name) if name else None


def push_configured() -> bool:
    return any(settings.MESSAGING_PUSH_PROVIDERS.values())


def push_provider_reset() -> None:
    _provider.cache_clear()
