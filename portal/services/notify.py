"""Transactional messages to a member (codes, reset links), queued in the caller's transaction."""
from campaigns.models import SECRET_PLACEHOLDER  # noqa: F401 - where a secret goes in a body
from campaigns.services import transactional_enqueue


def member_transactional_send(*, member, channel: str, subject: str, body: str, dedupe_key: str, to: str = "",
                              secret: str = "", expires_at=None):
    """Queue one transactional message through the campaigns outbox (no consent or caps apply).

    A `secret` (code, link) is stored encrypted and put in place of SECRET_PLACEHOLDER only when sent.
    """
    return transactional_enqueue(member=member, channel=channel, subject=subject, body=body,
                                 dedupe_key=dedupe_key, to=to, secret=secret, expires_at=expires_at)
