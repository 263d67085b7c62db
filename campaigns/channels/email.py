import re
import secrets
from email.policy import Compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult

# An ESP's answer that will not change on a retry (a malformed or refused message); 401/403 are credentials,
# which staff fix, and 408/429/5xx pass: those retry with the outbox's backoff.
PERMANENT_HTTP = {400, 404, 413, 422}
_PLAIN_HEADER = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*\Z")


class _PlainHeadersAsTheyAre(Compat32):
    """Django's policy (compat32), minus its cost for plain headers: compat32 folds every header of every part
    (~19 an email) through email.header.Header, which returns a value of printable ASCII words, single-spaced, that
    fits its line unchanged; such a value is written as it is, anything else folded as before (the same bytes)."""

    def _fold(self, name, value, sanitize):
        if (isinstance(value, str) and len(name) + 2 + len(value) <= (self.max_line_length or 0)
                and _PLAIN_HEADER.match(value)):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


PLAIN_HEADERS_AS_THEY_ARE = _PlainHeadersAsTheyAre()


class OutboxEmail(EmailMultiAlternatives):
    """Django's email, flattened for less CPU: a random boundary set up front (else the generator compiles a
    regular expression per multipart part to check its own against the text), plain headers written directly."""

    def message(self):
        message = super().message()
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(f"=_{secrets.token_hex(12)}")  # 96 random bits: in no text by chance
        message.policy = PLAIN_HEADERS_AS_THEY_ARE  # the generator flattens every part with the top one's
        return message


class DjangoEmailChannel(ChannelBackend):
    """Email through settings.EMAIL_BACKEND (console, SMTP or an Anymail provider), one connection per batch.

    Marketing mail carries `List-Unsubscribe` (the one-click link and a mailto) and
    `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so mail clients show an
    unsubscribe button that withdraws the member's email consent without a login.

    Through Anymail the message carries the outbox key as metadata (`outbox`), which every ESP echoes in its
    tracking webhooks, and as the ESP's idempotency key where it takes one (Unisender Go), and the ESP's message id becomes the row's provider_id; an ESP refusing the recipient
    or the message fails it for good with the ESP's reason.
    """

    # SMTP takes no idempotency key: an email whose outcome a crashed worker had not written yet goes out again.
    # So each outcome is written at once (one UPDATE per email), leaving only the one in flight; the connection
    # stays open across the batch.
    records_each_send = True

    def __init__(self):
        self.connection = None

    def send(self, message: OutgoingMessage) -> SendResult:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

        if not message.to:
            raise PermanentSendError("no email address")
        if self.connection is None:
            self.connection = get_connection()
            self.connection.open()
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
        message_id = f"<{message.idempotency_key}@{domain}>"
        headers = {"Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key, **message.headers}
        if message.unsubscribe_url:
            headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email = OutboxEmail(
            subject=message.subject, body=message.body, to=[message.to], headers=headers, connection=self.connection
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        email.metadata = {"outbox": message.idempotency_key}  # Anymail's attribute; other back ends ignore it
        email.idempotency_key = message.idempotency_key  # for an ESP that takes one (messaging.email.unisender_go)
        try:
            email.send()
        except AnymailRecipientsRefused as error:
            raise PermanentSendError(f"refused by the provider: {error}"[:255]) from error
        except AnymailAPIError as error:
            if getattr(error, "status_code", None) in PERMANENT_HTTP:
                raise PermanentSendError(f"provider HTTP {error.status_code}: {error}"[:255]) from error
            raise
        status = getattr(email, "anymail_status", None)
        if status is not None:
            recipient = status.recipients.get(message.to) or next(iter(status.recipients.values()), None)
            if recipient is not None and recipient.status in ("rejected", "invalid"):
                raise PermanentSendError(f"refused by the provider: {recipient.status}")
            if recipient is not None and recipient.message_id:
                return SendResult(provider_id=str(recipient.message_id))
        return SendResult(provider_id=message_id)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
