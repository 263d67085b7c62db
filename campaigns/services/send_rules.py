"""What to do with each claimed message, decided for a whole batch with a fixed number of queries."""
import datetime as dt
from dataclasses import dataclass

from ..models import OutboxMessage, Purpose


@dataclass(frozen=True)
class Decision:
    action: str  # send | defer | suppress
    channel: str = ""
    to: str = ""
    due_at: dt.datetime | None = None
    reason: str = ""


def member_address(member, channel: str) -> str:
    if member is None:
        return ""
    if channel == "email":
        return member.email
    if channel == "sms":
        return member.phone
    if channel == "push":
        return member.external_id  # push providers address the app user by the shop's id
    return ""


def suppressed_emails(batch: list[OutboxMessage]) -> dict:
    """The batch's email addresses (their own or their member's) that hard-bounced: one query."""
    from messaging.email.suppression import email_suppressions_for

    return email_suppressions_for({m.to for m in batch if m.channel == "email"}
                                  | {m.member.email for m in batch if m.member is not None})


def suppression_reason(row) -> str:
    return f"email_suppressed: {row.address} {row.get_reason_display().lower()} {row.created_at:%Y-%m-%d}"[:255]


def plan_batch(batch: list[OutboxMessage], *, now: dt.datetime):
    """Yield (message, Decision) for every message of the batch, in order. No email goes to a suppressed
    address: marketing falls back to another consented channel, anything else is suppressed with the reason."""
    suppressed = suppressed_emails(batch)
    marketing = [m for m in batch if m.purpose == Purpose.MARKETING]
    rules = None
    if marketing:
        from .marketing_rules import MarketingRules

        rules = MarketingRules.for_batch(marketing, now=now, suppressed=suppressed)
    for message in batch:
        if message.purpose == Purpose.MARKETING:
            yield message, rules.decide(message)
        elif message.expires_at and now >= message.expires_at:  # a code or link past its life: useless, and wiped
            yield message, Decision("suppress", reason="window_expired: not sent before it expired")
        else:
            to = message.to or member_address(message.member, message.channel)
            if message.channel == "email" and to.strip().lower() in suppressed:
                yield message, Decision("suppress", reason=suppression_reason(suppressed[to.strip().lower()]))
            else:
                yield message, Decision("send", channel=message.channel, to=to)
