import urllib.error
import urllib.request

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult

RETRYABLE = {408, 409, 425, 429}


class HttpWebhookChannel(ChannelBackend):
    """POSTs the signed body; 2xx is delivered, 5xx/408/429/network errors retry, other 4xx give up."""

    timeout = 10

    def send(self, message: OutgoingMessage) -> SendResult:
        request = urllib.request.Request(message.to, data=message.payload["body"], method="POST",
                                         headers=message.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return SendResult(provider_id=f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500 and error.code not in RETRYABLE:
                raise PermanentSendError(f"HTTP {error.code}") from error
            raise ConnectionError(f"HTTP {error.code}") from error
