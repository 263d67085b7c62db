"""Unisender Go through Anymail, with the provider's idempotence key.

Unisender Go's email/send takes `idempotence_key` beside `message`, at the top of the request body
(godocs.unisender.ru/web-api-ref#email-send): a repeat of a key it has seen sends nothing again and answers as
the first time. Anymail's `esp_extra` is merged inside `message`, so the key cannot go through it; this payload
adds it where the API reads it, from the `idempotency_key` attribute a sender sets on the message (campaigns'
email channel sets its outbox row's key, stable across retries).

With a key, each recipient's `anymail_id` (the message id Anymail reports and the webhooks echo) is derived from
it instead of drawn at random, so a retry whose first answer was lost records the id of the email that went out.
"""
import uuid

from anymail.backends.unisender_go import EmailBackend as AnymailUnisenderGoBackend
from anymail.backends.unisender_go import UnisenderGoPayload


class IdempotentUnisenderGoPayload(UnisenderGoPayload):
    @property
    def idempotency_key(self) -> str:
        return getattr(self.message, "idempotency_key", "")

    def set_anymail_id(self) -> None:
        if not self.idempotency_key:
            return super().set_anymail_id()
        for recipient in self.data["recipients"]:
            address = recipient["email"]
            anymail_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.idempotency_key}/{address.lower()}"))
            recipient.setdefault("metadata", {})["anymail_id"] = anymail_id
            self.message_ids[address] = anymail_id

    def serialize_json(self, data):
        if self.idempotency_key and "message" in data:  # the send's body, {"message": {...}}
            data = {"idempotence_key": self.idempotency_key, **data}
        return super().serialize_json(data)


class EmailBackend(AnymailUnisenderGoBackend):
    """Anymail's Unisender Go back end (the same settings) whose sends carry the message's idempotency key."""

    def build_message_payload(self, message, defaults):
        return IdempotentUnisenderGoPayload(message=message, defaults=defaults, backend=self)
