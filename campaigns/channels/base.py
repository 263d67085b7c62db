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

    # True when a re-send after a crash would reach the person again (SMTP, SMS gateways without idempotency keys)
    # or a send learns more than the outbox row holds (push: each device's answer): the outbox then records each
    # message's outcome before the next send, with save_outcomes() in the same transaction, rather than every
    # CAMPAIGNS_OUTBOX_RECORD_EVERY sends.
    records_each_send = False

    def prepare(self, *, member_ids: set, keys: set) -> None:
        """Called once per batch before its sends, with the members and idempotency keys of the messages going out
        on this channel: read what the sends need for all of them in a few queries instead of per message."""

    def send(self, message: OutgoingMessage) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def save_outcomes(self) -> None:
        """Write what the sends since the last call learnt beyond the outbox row. The outbox calls it inside the
        transaction that records those messages' own outcomes."""

    def close(self) -> None:
        """Called once after a batch; release connections."""
