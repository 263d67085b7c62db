from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult


class DjangoEmailChannel(ChannelBackend):
    """Email through settings.EMAIL_BACKEND, one connection per batch.

    Marketing mail carries `List-Unsubscribe` (the one-click link and a mailto) and
    `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so mail clients show an
    unsubscribe button that withdraws the member's email consent without a login.
    """

    def __init__(self):
        self.connection = None

    def send(self, message: OutgoingMessage) -> SendResult:
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
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body, to=[message.to], headers=headers, connection=self.connection
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        email.send()
        return SendResult(provider_id=message_id)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
