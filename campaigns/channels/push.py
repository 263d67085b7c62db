from messaging.push import PushNotification
from messaging.push.delivery import push_outcomes_save, push_recipients, push_to_member

from .base import ChannelBackend, OutgoingMessage, PermanentSendError, SendResult


class ProviderPushChannel(ChannelBackend):
    """Push through FCM / APNs (messaging.push), one outbox row to all of the member's devices.

    The row is sent once any device got it (now or on an earlier attempt); with none, a temporary error on
    some device retries the row (devices that already answered are skipped), and only refusals fail it.
    The batch's devices and earlier answers are read once (prepare); each device's answer is written with the
    row's outcome, in its transaction, right after the message's sends (save_outcomes).
    """

    records_each_send = True

    def __init__(self):
        self.recipients = None
        self.outcomes = []

    def prepare(self, *, member_ids: set, keys: set) -> None:
        self.recipients = push_recipients(member_ids=member_ids, refs=keys)

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.member_id:
            raise PermanentSendError("push needs a member")
        notification = PushNotification(title=message.subject, body=message.body, ref=message.idempotency_key,
                                         link=(message.payload or {}).get("link", ""))
        outcome = push_to_member(member_id=message.member_id, notification=notification, recipients=self.recipients)
        self.outcomes.append(outcome)
        if outcome.sent:
            return SendResult(provider_id=outcome.sent[0])
        if outcome.temporary:
            raise ConnectionError(outcome.reason)
        raise PermanentSendError(outcome.reason or "no push device")

    def save_outcomes(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        if outcomes:
            push_outcomes_save(outcomes)
