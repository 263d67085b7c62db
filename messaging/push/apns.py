"""Apple Push Notification service, token-based (https://developer.apple.com/documentation/usernotifications/
sending-notification-requests-to-apns).

HTTP/2 only: `POST /3/device/{device token}` with `authorization: bearer <provider token>` and the headers
apns-topic (the app's bundle id), apns-push-type (alert), apns-priority (10: now), apns-expiration,
apns-collapse-id and apns-id; the body is {"aps": {"alert": {"title", "body"}}, …}. 200 answers with the
apns-id header; errors answer {"reason": "…"} (410 adds "timestamp"): BadDeviceToken and Unregistered mean the
token is dead, ExpiredProviderToken asks for a new provider token, TooManyRequests / 5xx are temporary.
The provider token is an ES256 JWT (header kid = the key id; claims iss = team id, iat), renewed after 50 minutes
(Apple refuses one older than an hour and throttles renewing more often than every 20).
"""
import time
import uuid
from pathlib import Path

import httpx
import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..http import provider_request
from .base import InvalidPushToken, PermanentPushError, PushNotification, PushProvider, TemporaryPushError
from .jwt_tokens import CachedToken

DEAD_TOKEN = {"BadDeviceToken", "Unregistered", "ExpiredToken"}
TEMPORARY = {"ExpiredProviderToken", "InvalidProviderToken", "TooManyProviderTokenUpdates", "TooManyRequests",
             "InternalServerError", "ServiceUnavailable", "Shutdown"}
EXPIRY_SECONDS = 24 * 3600  # a phone offline for longer does not get a stale offer


def signing_key(value: str) -> str:
    """APNS_KEY: the .p8 key's PEM text, or the path of its file."""
    if not value:
        raise ImproperlyConfigured("APNS_KEY is not set (the .p8 signing key or its file's path)")
    return value if "-----BEGIN" in value else Path(value).read_text()


class ApnsProvider(PushProvider):
    name = "apns"

    def __init__(self):
        for setting in ("APNS_KEY_ID", "APNS_TEAM_ID", "APNS_TOPIC"):
            if not getattr(settings, setting):
                raise ImproperlyConfigured(f"{setting} is not set")
        self.key = signing_key(settings.APNS_KEY)
        self.provider_token = CachedToken(self._provider_token, margin=600)

    def _provider_token(self) -> tuple[str, float]:
        token = jwt.encode({"iss": settings.APNS_TEAM_ID, "iat": int(time.time())}, self.key, algorithm="ES256",
                           headers={"kid": settings.APNS_KEY_ID})
        return token, 3600

    @staticmethod
    def payload(notification: PushNotification) -> dict:
        payload = {"aps": {"alert": {"title": notification.title, "body": notification.body}, "sound": "default"},
                   "ref": notification.ref}
        if notification.link:
            payload["link"] = notification.link
        return payload

    def send(self, *, token: str, notification: PushNotification) -> str:
        url = f"{settings.APNS_API_URL.rstrip('/')}/3/device/{token}"
        headers = {
            "apns-topic": settings.APNS_TOPIC, "apns-push-type": "alert", "apns-priority": "10",
            "apns-expiration": str(int(time.time()) + EXPIRY_SECONDS),
            "apns-collapse-id": notification.ref[:64],
            # The same outbox message to the same device has the same id in Apple's logs and ours.
            "apns-id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{notification.ref}/{token}")),
        }
        for attempt in (1, 2):
            provider_token = self.provider_token.get()
            try:
                response = provider_request("POST", url, http2=True, json=self.payload(notification),
                                            headers={**headers, "authorization": f"bearer {provider_token}"})
            except httpx.TransportError as error:
                raise TemporaryPushError(f"apns unreachable: {type(error).__name__}") from error
            reason = self._reason(response)
            if reason == "ExpiredProviderToken" and attempt == 1:
                self.provider_token.invalidate(provider_token)
                continue
            break
        if response.status_code == 200:
            return response.headers.get("apns-id", headers["apns-id"])
        text = f"apns {response.status_code} {reason}"[:250]
        if response.status_code == 410 or reason in DEAD_TOKEN:
            raise InvalidPushToken(text)
        if response.status_code == 429 or response.status_code >= 500 or reason in TEMPORARY:
            raise TemporaryPushError(text)
        raise PermanentPushError(text)

    @staticmethod
    def _reason(response: httpx.Response) -> str:
        if response.status_code == 200:
            return ""
        try:
            return (response.json() or {}).get("reason", "")
        except ValueError:
            return response.reason_phrase
