"""SMS gateways: one interface (`SmsGateway`), an adapter per provider, chosen by MESSAGING_SMS_PROVIDER."""
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import DeliveryStatus, PermanentSmsError, SmsGateway, TemporarySmsError  # noqa: F401

PROVIDERS = {
    "smsru": "messaging.sms.smsru.SmsRuGateway",
    "twilio": "messaging.sms.twilio.TwilioGateway",
}


@cache
def _gateway(name: str) -> SmsGateway:
    from django.utils.module_loading import import_string

    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"MESSAGING_SMS_PROVIDER={name!r}: expected one of {sorted(PROVIDERS)}")
    return import_string(PROVIDERS[name])()


def sms_gateway(name: str | None = None) -> SmsGateway:
    """The configured gateway (one per process; it holds no connection of its own, the pooled client does)."""
    name = name or settings.MESSAGING_SMS_PROVIDER
    if not name:
        raise ImproperlyConfigured("MESSAGING_SMS_PROVIDER is not set")
    return _gateway(name)


def sms_gateway_reset() -> None:
    _gateway.cache_clear()
