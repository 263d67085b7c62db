from dataclasses import dataclass, field


@dataclass
class OutgoingMessage:
    channel: str
    to: str
    subject: str
    body: str
    # Stable per outbox row: a re-send after a crash carries the same key, so the provider drops it.
    idempotency_key: str
    html_body: str = ""
    unsubscribe_url: str = ""
    headers: dict = field(default_factory=dict)
    payload: dict | None = None
    member_id: int | None = None  # push reaches the member's devices, not an address


@dataclass
class SendResult:
    provider_id: str = ""


class PermanentSendError(Exception):
    """The provider refused for good (bad address, unknown channel): record failed, do not retry."""


class ChannelBackend:
    """Send one message; raise PermanentSendError to give up, any other exception to retry with backoff."""

    def send(self, message: OutgoingMessage) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        """Called once after a batch; release connections."""
