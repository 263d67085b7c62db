"""SMS.ru (https://sms.ru/api): `POST /sms/send` with api_id, to, msg, from and json=1.

The answer is JSON: a top-level status/status_code (100 = accepted) and, per number, its own status,
status_code and sms_id; refusals carry status_text. Delivery reports are POSTed to the callback URL set in
the SMS.ru account as form fields data[0], data[1]…, each "sms_status\\n<sms_id>\\n<status code>\\n<unix time>";
SMS.ru repeats a report until the answer is "100". SMS.ru does not sign them, so the callback URL carries a
secret (SMSRU_CALLBACK_SECRET) and a `hash` field, when present, must be sha256(api_id + the data fields).
SMS.ru takes no client message id, so a re-send after a lost answer cannot be deduplicated by the provider.
"""
import datetime as dt
import hashlib
import hmac

import httpx
from django.conf import settings

from ..http import provider_request
from .base import DeliveryStatus, PermanentSmsError, SmsGateway, TemporarySmsError

# status_code of a refused send (https://sms.ru/api/send, "коды ответа"): retrying later may work for these
TEMPORARY = {
    200: "wrong api_id", 201: "not enough money on the account", 206: "daily sending limit reached",
    220: "service temporarily unavailable", 230: "daily limit of messages to this number reached",
    231: "limit of identical messages to this number per minute reached",
    232: "limit of identical messages to this number per day reached",
    233: "limit of repeated code messages per minute reached",
    300: "wrong token", 301: "wrong api_id or password", 302: "account not confirmed",
}
# …and never for these
PERMANENT = {
    202: "invalid recipient number", 203: "no message text", 204: "sender name not approved", 205: "message too long",
    207: "this number cannot receive messages", 208: "wrong time parameter", 209: "number is in the stop list",
    212: "text must be UTF-8", 213: "more than 100 numbers",
}
# delivery status codes in callbacks (https://sms.ru/api/status)
DELIVERED = {103: "delivered", 110: "read"}
UNDELIVERED = {104: "message lifetime expired", 105: "deleted by the operator", 106: "phone failure",
               107: "not delivered, reason unknown", 108: "rejected", 150: "no route to this number"}


class SmsRuGateway(SmsGateway):
    name = "smsru"

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        number = to.lstrip("+")
        data = {"api_id": settings.SMSRU_API_ID, "to": number, "msg": text, "json": "1"}
        if settings.MESSAGING_SMS_SENDER:
            data["from"] = settings.MESSAGING_SMS_SENDER
        try:
            response = provider_request("POST", f"{settings.SMSRU_API_URL.rstrip('/')}/sms/send", data=data)
        except httpx.TransportError as error:
            raise TemporarySmsError(f"sms.ru unreachable: {type(error).__name__}") from error
        if response.status_code != 200:
            raise TemporarySmsError(f"sms.ru HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise TemporarySmsError("sms.ru answered no JSON") from error
        if answer.get("status") != "OK":
            self._refused(answer)
        result = (answer.get("sms") or {}).get(number) or {}
        if result.get("status") != "OK":
            self._refused(result)
        return str(result["sms_id"])

    def _refused(self, answer: dict):
        code = int(answer.get("status_code") or 0)
        reason = f"sms.ru {code}: {answer.get('status_text') or TEMPORARY.get(code) or PERMANENT.get(code) or 'error'}"
        if code in PERMANENT:
            raise PermanentSmsError(reason)
        raise TemporarySmsError(reason)

    def parse_callback(self, request) -> list[DeliveryStatus]:
        secret = settings.SMSRU_CALLBACK_SECRET
        if not secret or not hmac.compare_digest(request.resolver_match.kwargs.get("secret", ""), secret):
            raise PermissionError("wrong callback secret")
        items = [request.POST[key] for key in sorted((k for k in request.POST if k.startswith("data[")),
                                                     key=lambda k: int(k[5:-1]) if k[5:-1].isdigit() else -1)]
        items += request.POST.getlist("data[]")
        if "hash" in request.POST:
            expected = hashlib.sha256((settings.SMSRU_API_ID + "".join(items)).encode()).hexdigest()
            if not hmac.compare_digest(request.POST["hash"], expected):
                raise PermissionError("wrong callback hash")
        statuses = []
        for item in items:
            lines = item.strip().split("\n")
            if lines[0].strip() != "sms_status":
                continue  # other notifications (e.g. callcheck) are not delivery reports
            if len(lines) < 4:
                raise ValueError(f"malformed sms.ru report: {item!r}")
            sms_id, code, unix_time = lines[1].strip(), int(lines[2]), int(lines[3])
            occurred_at = dt.datetime.fromtimestamp(unix_time, tz=dt.timezone.utc)
            if code in DELIVERED:
                statuses.append(DeliveryStatus(self.name, sms_id, "delivered", occurred_at))
            elif code in UNDELIVERED:
                statuses.append(DeliveryStatus(self.name, sms_id, "bounce", occurred_at,
                                               reason=f"sms.ru {code}: {UNDELIVERED[code]}"))
        return statuses

    def callback_answer(self) -> tuple[str, str]:
        return "100", "text/plain"
