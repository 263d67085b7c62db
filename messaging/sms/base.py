import datetime as dt
from dataclasses import dataclass


class TemporarySmsError(Exception):
    """Try again later (rate limit, provider down, balance or daily limit): the outbox retries with backoff."""


class PermanentSmsError(Exception):
    """The provider refused this message for good (bad number, stop list, text refused): record it failed."""


@dataclass(frozen=True)
class DeliveryStatus:
    """One delivery report from a provider's callback (SMS gateways) or tracking webhook (email)."""

    provider: str
    provider_id: str
    # SMS: "delivered" or "bounce" (could not be delivered); email adds "open", "click", "complaint" and
    # "unsubscribe" (EngagementEvent kinds); in-between states are not reported
    kind: str
    occurred_at: dt.datetime
    reason: str = ""
    message_ref: str = ""  # the outbox idempotency key when the provider echoes it back
    channel: str = "sms"
    event_key: str = ""  # what makes this event unique at the provider (an event id), when more than one per kind
    url: str = ""  # a click's link
    address: str = ""  # the recipient the provider names


class SmsGateway:
    """Send one SMS; map the provider's errors to TemporarySmsError / PermanentSmsError with its reason."""

    name = ""

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:  # pragma: no cover - interface
        """Returns the provider's message id."""
        raise NotImplementedError

    def parse_callback(self, request) -> list[DeliveryStatus]:  # pragma: no cover - interface
        """The delivery reports in a callback request; raises PermissionError when its signature or secret is wrong,
        ValueError when it is malformed."""
        raise NotImplementedError

    def callback_answer(self) -> tuple[str, str]:
        """(body, content type) the provider expects as acknowledgement."""
        return "", "text/plain"
