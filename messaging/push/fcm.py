"""Firebase Cloud Messaging HTTP v1 (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send).

Authentication: the service account's key signs a JWT (RS256; iss = client_email, scope firebase.messaging,
aud = token_uri) that is exchanged at the account's token_uri (grant type jwt-bearer) for an OAuth2 access
token; the token is reused until five minutes before its `expires_in`. Sending: `POST
/v1/projects/{project_id}/messages:send` with {"message": {"token", "notification", "data", …}} answers
{"name": "projects/…/messages/…"}; errors answer {"error": {"code", "message", "status", "details": [
{"@type": "…FcmError", "errorCode"}, {"@type": "…BadRequest", "fieldViolations"}]}}
(https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode).
"""
import json
import time
from functools import cached_property
from pathlib import Path

import httpx
import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..http import provider_request
from .base import InvalidPushToken, PermanentPushError, PushNotification, PushProvider, TemporaryPushError
from .jwt_tokens import CachedToken

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TEMPORARY = {"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED", "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"}


def service_account(value: str) -> dict:
    """FCM_CREDENTIALS: the service account's JSON itself, or the path of its file."""
    if not value:
        raise ImproperlyConfigured("FCM_CREDENTIALS is not set (the service account JSON or its file's path)")
    text = value if value.lstrip().startswith("{") else Path(value).read_text()
    account = json.loads(text)
    missing = {"client_email", "private_key", "project_id"} - account.keys()
    if missing:
        raise ImproperlyConfigured(f"FCM_CREDENTIALS lacks {sorted(missing)}")
    return account


class FcmProvider(PushProvider):
    name = "fcm"

    def __init__(self):
        self.account = service_account(settings.FCM_CREDENTIALS)
        self.project_id = settings.FCM_PROJECT_ID or self.account["project_id"]
        self.token_uri = self.account.get("token_uri") or "https://oauth2.googleapis.com/token"
        self.access_token = CachedToken(self._access_token, margin=300)

    @cached_property
    def send_url(self) -> str:
        return f"{settings.FCM_API_URL.rstrip('/')}/v1/projects/{self.project_id}/messages:send"

    def _access_token(self) -> tuple[str, float]:
        now = int(time.time())
        assertion = jwt.encode(
            {"iss": self.account["client_email"], "scope": SCOPE, "aud": self.token_uri, "iat": now, "exp": now + 3600},
            self.account["private_key"], algorithm="RS256",
            headers={"kid": self.account["private_key_id"]} if self.account.get("private_key_id") else None)
        try:
            response = provider_request("POST", self.token_uri, data={"grant_type": GRANT_TYPE, "assertion": assertion})
        except httpx.TransportError as error:
            raise TemporaryPushError(f"fcm oauth unreachable: {type(error).__name__}") from error
        if response.status_code != 200:
            # A refused grant (wrong key, clock skew) is configuration: retried while staff fix it.
            raise TemporaryPushError(f"fcm oauth {response.status_code}: {response.text[:200]}")
        answer = response.json()
        return answer["access_token"], float(answer.get("expires_in", 3600))

    def message(self, token: str, notification: PushNotification) -> dict:
        data = {"ref": notification.ref}
        if notification.link:
            data["link"] = notification.link
        message = {
            "token": token,
            "notification": {"title": notification.title, "body": notification.body},
            "data": data,
            # A repeat of the same outbox message replaces the first on the device instead of showing twice.
            "android": {"collapse_key": notification.ref[:64]},
            "apns": {"headers": {"apns-collapse-id": notification.ref[:64]}},
        }
        if notification.link.startswith("https://"):
            message["webpush"] = {"fcm_options": {"link": notification.link}}
        return {"message": message}

    def send(self, *, token: str, notification: PushNotification) -> str:
        body = self.message(token, notification)
        for attempt in (1, 2):
            access_token = self.access_token.get()
            try:
                response = provider_request("POST", self.send_url, json=body,
                                            headers={"Authorization": f"Bearer {access_token}"})
            except httpx.TransportError as error:
                raise TemporaryPushError(f"fcm unreachable: {type(error).__name__}") from error
            if response.status_code == 401 and attempt == 1:
                self.access_token.invalidate(access_token)  # revoked or expired early: one fresh token, once
                continue
            break
        if response.status_code == 200:
            return response.json().get("name", "")
        raise self.error(response)

    @staticmethod
    def error(response: httpx.Response) -> Exception:
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        details = error.get("details") or []
        code = next((d.get("errorCode") for d in details if d.get("errorCode")), "") or error.get("status", "")
        fields = {v.get("field", "") for d in details for v in d.get("fieldViolations") or []}
        message = error.get("message") or response.reason_phrase
        reason = f"fcm {response.status_code} {code}: {message}"[:250]
        if code == "UNREGISTERED" or (code == "INVALID_ARGUMENT" and (
                "message.token" in fields or (not fields and "registration token" in message.lower()))):
            return InvalidPushToken(reason)
        if response.status_code == 429 or response.status_code >= 500 or code in TEMPORARY:
            return TemporaryPushError(reason)
        return PermanentPushError(reason)
