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


def plan_batch(batch: list[OutboxMessage], *, now: dt.datetime):
    """Yield (message, Decision) for every message of the batch, in order."""
    marketing = [m for m in batch if m.purpose == Purpose.MARKETING]
    rules = None
    if marketing:
        from .marketing_rules import MarketingRules

        rules = MarketingRules.for_batch(marketing, now=now)
    for message in batch:
        if message.purpose == Purpose.MARKETING:
            yield message, rules.decide(message)
        elif message.expires_at and now >= message.expires_at:  # a code or link past its life: useless, and wiped
            yield message, Decision("suppress", reason="window_expired: not sent before it expired")
        else:
            to = message.to or member_address(message.member, message.channel)
            yield message, Decision("send", channel=message.channel, to=to)
