from messaging.sms import PermanentSmsError, TemporarySmsError, sms_gateway

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult


class GatewaySmsChannel(ChannelBackend):
    """SMS through the gateway MESSAGING_SMS_PROVIDER names (messaging.sms): a refusal for good fails the message
    with the provider's reason; a temporary one (rate limit, outage, balance) retries with the outbox's backoff."""

    # SMS.ru and Twilio take no idempotency key: an SMS whose outcome a crashed worker had not written yet goes
    # out again. So each outcome is written at once (one UPDATE per SMS), leaving only the one in flight.
    records_each_send = True

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
