"""Transactional messages to a member (codes, reset links), queued in the caller's transaction."""
from campaigns.services import transactional_enqueue


def member_transactional_send(*, member, channel: str, subject: str, body: str, dedupe_key: str, to: str = ""):
    """Queue one transactional message through the campaigns outbox (no consent or caps apply)."""
    return transactional_enqueue(member=member, channel=channel, subject=subject, body=body,
                                 dedupe_key=dedupe_key, to=to)
