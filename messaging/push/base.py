from dataclasses import dataclass


class TemporaryPushError(Exception):
    """Try again later (rate limit, provider down, credentials being renewed): the outbox retries with backoff."""


class PermanentPushError(Exception):
    """The provider refused this notification for good (payload, configuration): record it failed."""


class InvalidPushToken(PermanentPushError):
    """The provider says the device token is invalid or no longer registered: the device is removed."""


@dataclass(frozen=True)
class PushNotification:
    title: str
    body: str
    # The outbox idempotency key: sent as the collapse id, so a repeat replaces the notification on the phone.
    ref: str
    link: str = ""


class PushProvider:
    """Send one notification to one device token; map the provider's answer to the errors above, with its reason."""

    name = ""

    def send(self, *, token: str, notification: PushNotification) -> str:  # pragma: no cover - interface
        """Returns the provider's message id."""
        raise NotImplementedError
