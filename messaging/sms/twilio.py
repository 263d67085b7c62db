"""Twilio Programmable Messaging (https://www.twilio.com/docs/messaging/api/message-resource).

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with basic auth (Account SID, auth token) and the form
fields To, From (or MessagingServiceSid), Body and StatusCallback; 201 answers the Message resource (`sid`),
errors answer {"code", "message", "more_info", "status"}. Status callbacks are form posts with MessageSid,
MessageStatus and ErrorCode, signed in X-Twilio-Signature: base64 HMAC-SHA1 with the auth token over the full
callback URL followed by each POST parameter's name and value, sorted by name. Twilio takes no idempotency
key on message creation; ours travels in the StatusCallback URL (`?ref=outbox-…`), which ties each report to
its outbox message even before the provider's id is recorded.
"""
import base64
import hashlib
import hmac
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..http import provider_request
from .base import DeliveryStatus, PermanentSmsError, SmsGateway, TemporarySmsError

# Error codes (https://www.twilio.com/docs/api/errors) that no retry will fix.
PERMANENT = {
    21211: "invalid 'To' number", 21214: "'To' number cannot be reached", 21408: "sending to this region not enabled",
    21602: "message body required", 21610: "recipient replied STOP", 21612: "cannot route to this number",
    21614: "'To' is not a mobile number", 21617: "body exceeds 1600 characters", 21660: "'From' not owned",
}


def twilio_signature(url: str, params: dict, token: str) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


class TwilioGateway(SmsGateway):
    name = "twilio"

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        account = settings.TWILIO_ACCOUNT_SID
        data = {"To": to, "Body": text, "StatusCallback": self.status_callback_url(idempotency_key)}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            data["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            data["From"] = settings.MESSAGING_SMS_SENDER
        url = f"{settings.TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        try:
            response = provider_request("POST", url, data=data, auth=(account, settings.TWILIO_AUTH_TOKEN))
        except httpx.TransportError as error:
            raise TemporarySmsError(f"twilio unreachable: {type(error).__name__}") from error
        if response.status_code in (200, 201):
            return response.json()["sid"]
        try:
            error = response.json()
        except ValueError:
            error = {}
        code = error.get("code")
        reason = f"twilio {code or response.status_code}: {error.get('message') or PERMANENT.get(code) or 'error'}"[:250]
        if response.status_code == 429 or response.status_code >= 500 or response.status_code in (401, 403):
            raise TemporarySmsError(reason)  # rate limit, outage, or credentials being fixed
        raise PermanentSmsError(reason)

    @staticmethod
    def status_callback_url(idempotency_key: str) -> str:
        return (settings.PUBLIC_BASE_URL.rstrip("/") + reverse("messaging:twilio_status") + "?"
                + urlencode({"ref": idempotency_key}))

    def parse_callback(self, request) -> list[DeliveryStatus]:
        url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
        params = {key: request.POST[key] for key in request.POST}
        expected = twilio_signature(url, params, settings.TWILIO_AUTH_TOKEN)
        if not settings.TWILIO_AUTH_TOKEN or not hmac.compare_digest(request.headers.get("X-Twilio-Signature", ""),
                                                                     expected):
            raise PermissionError("wrong X-Twilio-Signature")
        sid, status = params.get("MessageSid") or params.get("SmsSid"), params.get("MessageStatus") or params.get("SmsStatus")
        if not sid or not status:
            raise ValueError("MessageSid and MessageStatus are required")
        ref = request.GET.get("ref", "")
        if status in ("delivered", "read"):
            return [DeliveryStatus(self.name, sid, "delivered", timezone.now(), message_ref=ref)]
        if status in ("undelivered", "failed"):
            code = params.get("ErrorCode", "")
            return [DeliveryStatus(self.name, sid, "bounce", timezone.now(), message_ref=ref,
                                   reason=f"twilio {status}" + (f" {code}" if code else ""))]
        return []  # queued, sending, sent, accepted…: not an outcome yet


