"""SMS and push back ends that need no provider: the logging default and an in-memory one for tests."""
import logging

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult

logger = logging.getLogger("campaigns.channels")

# Messages the locmem back ends accepted, like django.core.mail.outbox; tests clear it.
outbox: list[OutgoingMessage] = []


class LoggingChannel(ChannelBackend):
    """Writes each message to the log; the default for SMS and push until a provider is configured."""

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.to:
            raise PermanentSendError(f"no {message.channel} address")
        logger.info("campaigns_message_sent channel=%s to=%s key=%s subject=%s",
                    message.channel, message.to, message.idempotency_key, message.subject)
        return SendResult(provider_id=message.idempotency_key)


class LocmemChannel(ChannelBackend):
    """Keeps messages in `outbox`; drops a repeat of an idempotency key, as a provider with client ids does."""

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.to:
            raise PermanentSendError(f"no {message.channel} address")
        if not any(m.idempotency_key == message.idempotency_key for m in outbox[-1000:]):
            outbox.append(message)
        return SendResult(provider_id=message.idempotency_key)


class DiscardChannel(ChannelBackend):
    """Accepts and forgets: for simulations (seed_demo_campaigns) that must not print thousands of messages."""

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.to:
            raise PermanentSendError(f"no {message.channel} address")
        return SendResult(provider_id=message.idempotency_key)
