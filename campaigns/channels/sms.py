from messaging.sms import PermanentSmsError, TemporarySmsError, sms_gateway

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult


class GatewaySmsChannel(ChannelBackend):
    """SMS through the gateway MESSAGING_SMS_PROVIDER names (messaging.sms): a refusal for good fails the message
    with the provider's reason; a temporary one (rate limit, outage, balance) retries with the outbox's backoff."""

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.to:
            raise PermanentSendError("no sms address")
        try:
            provider_id = sms_gateway().send(to=message.to, text=message.body,
                                             idempotency_key=message.idempotency_key)
        except PermanentSmsError as error:
            raise PermanentSendError(str(error)) from error
        except TemporarySmsError as error:
            raise ConnectionError(str(error)) from error
        return SendResult(provider_id=provider_id)
