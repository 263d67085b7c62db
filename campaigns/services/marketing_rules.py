"""Send rules for marketing messages, checked at the moment of sending (filled in by the scheduling step)."""
from .send_rules import Decision, member_address


class MarketingRules:
    @classmethod
    def for_batch(cls, messages):
        return cls()

    def decide(self, message) -> Decision:
        member = message.member
        if member is None or not member.has_consent(message.channel):
            return Decision("suppress", reason="no_consent")
        return Decision("send", channel=message.channel, to=message.to or member_address(member, message.channel))
