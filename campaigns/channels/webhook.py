import urllib.error
import urllib.request

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult

RETRYABLE = {408, 409, 425, 429}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is: following it would turn the POST into a GET without
    the body (301/302/303) or send the signed event to an address nobody subscribed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpWebhookChannel(ChannelBackend):
    """POSTs the signed body; 2xx is delivered; 3xx (never followed), 5xx, 408/429 and network errors retry
    with backoff; other 4xx give up."""

    timeout = 10

    def __init__(self):
        self.opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: OutgoingMessage) -> SendResult:
        request = urllib.request.Request(message.to, data=message.payload["body"], method="POST",
                                         headers=message.headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                if not 200 <= response.status < 300:
                    raise ConnectionError(f"HTTP {response.status}")
                return SendResult(provider_id=f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                location = (error.headers.get("Location") or "")[:150]
                raise ConnectionError(f"HTTP {error.code} redirect not followed (to {location})") from error
            if 400 <= error.code < 500 and error.code not in RETRYABLE:
                raise PermanentSendError(f"HTTP {error.code}") from error
            raise ConnectionError(f"HTTP {error.code}") from error
