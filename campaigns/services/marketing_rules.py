"""Send rules for marketing messages, checked at the moment of sending, for a whole batch at once.

Order: window expiry, the step's condition, consent with channel fallback, the member's best hour,
quiet hours, frequency caps. A message that cannot go out before its window ends is dropped with the
reason, never sent late. A fixed number of queries per batch, whatever its size.
"""
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q

from loyalty.models import Order, OrderStatus
from messaging.reachability import reachable_members

from ..models import CampaignSettings, OutboxMessage, OutboxStatus, PlannedAction, PlannedActionStatus, Purpose
from ..models import StepCondition
from .send_rules import Decision, member_address, suppression_reason

WAIT_FOR_ACTIONS = dt.timedelta(minutes=5)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


class MarketingRules:
    def __init__(self, *, rules: CampaignSettings, now: dt.datetime, sent_day: Counter, sent_week: Counter,
                 bought_since: set, waiting: set, suppressed: dict | None = None, reachable: dict | None = None):
        self.rules, self.now = rules, now
        self.suppressed = suppressed or {}  # hard-bounced email addresses (send_rules.suppressed_emails)
        self.reachable = reachable or {}  # channel -> members reachable on it (messaging.reachability)
        self.sent_day, self.sent_week = sent_day, sent_week
        self.bought_since, self.waiting = bought_since, waiting
        self.order = [c.strip() for c in rules.channel_order.split(",") if c.strip()]

    @classmethod
    def for_batch(cls, messages: list[OutboxMessage], *, now: dt.datetime, suppressed: dict | None = None) -> "MarketingRules":
        member_ids = {m.member_id for m in messages if m.member_id}
        sent = (OutboxMessage.objects.filter(member_id__in=member_ids, status=OutboxStatus.DELIVERED,
                                             purpose=Purpose.MARKETING, sent_at__gt=now - dt.timedelta(days=7))
                .values("member_id").annotate(week=Count("id"), day=Count("id", filter=Q(sent_at__gt=now - dt.timedelta(days=1)))))
        sent_day = Counter({row["member_id"]: row["day"] for row in sent})
        sent_week = Counter({row["member_id"]: row["week"] for row in sent})
        conditional = [m for m in messages if m.campaign_step_id and m.campaign_step.condition == StepCondition.NO_PURCHASE_SINCE_TRIGGER]
        bought_since = set()
        if conditional:
            earliest = min(m.entry.triggered_at for m in conditional)
            bought = set(Order.objects.filter(member_id__in={m.member_id for m in conditional}, status=OrderStatus.COMPLETED,
                                              created_at__gte=earliest).values_list("member_id", "created_at"))
            bought_since = {m.pk for m in conditional
                            if any(member == m.member_id and at > m.entry.triggered_at for member, at in bought)}
        entry_ids = {m.entry_id for m in messages if m.entry_id}
        first_pending = dict(
            PlannedAction.objects.filter(entry_id__in=entry_ids, status=PlannedActionStatus.PENDING)
            .values("entry_id").annotate(first=Min("due_at")).values_list("entry_id", "first")
        ) if entry_ids else {}
        # a message waits only for actions planned no later than itself (its coupon, not next week's task)
        waiting = {m.pk for m in messages if m.entry_id in first_pending and first_pending[m.entry_id] <= m.due_at}
        return cls(rules=CampaignSettings.current(), now=now, sent_day=sent_day, sent_week=sent_week,
                   bought_since=bought_since, waiting=waiting, suppressed=suppressed,
                   reachable=reachable_members(member_ids))

    # -- the rules ------------------------------------------------------------------------------------

    def decide(self, message: OutboxMessage) -> Decision:
        member = message.member
        if message.expires_at and self.now >= message.expires_at:
            return Decision("suppress", reason="window_expired: not sent before the action window ended")
        if member is None:
            return Decision("suppress", reason="no_member")
        if message.pk in self.bought_since:
            return Decision("suppress", reason="condition: purchased since the trigger")
        channel = self.channel_for(message)
        if channel is None:
            row = self.suppressed.get(self._email(message))
            if row is not None and member.has_consent("email"):
                return Decision("suppress", reason=suppression_reason(row))
            return Decision("suppress", reason="no_consent: no consented channel with an address and a variant")
        if message.pk in self.waiting:
            # a coupon or review link of the same entry is still being made; the text needs it
            return self._defer(message, self.now + WAIT_FOR_ACTIONS, "waiting for the campaign's actions")
        zone = _zone(member.timezone)
        best = self.send_at(message, zone)
        if self.now < best:
            return self._defer(message, best, "best_hour")
        local_now = self.now.astimezone(zone)
        if self.rules.is_quiet(local_now.hour):
            return self._defer(message, self._quiet_end(local_now), "quiet_hours")
        if self.sent_day[member.pk] >= self.rules.max_per_day or self.sent_week[member.pk] >= self.rules.max_per_week:
            tomorrow = self.best_hour_on(local_now.date() + dt.timedelta(days=1), member, zone)
            return self._defer(message, tomorrow, "frequency_cap")
        self.sent_day[member.pk] += 1
        self.sent_week[member.pk] += 1
        to = message.to if channel == message.channel and message.to else member_address(member, channel)
        return Decision("send", channel=channel, to=to,
                        reason="" if channel == message.channel else f"fallback from {message.channel}")

    def channel_for(self, message: OutboxMessage) -> str | None:
        """The step's channel if the member is reachable on it now (messaging.reachability: consent, an address
        not hard-bounced, a registered device for push), else their other reachable channels in their preferred
        order (their own preference first, then the shop's order). A campaign step's message skips channels the
        step has no variant for."""
        member = message.member
        step = message.campaign_step if message.campaign_step_id and not message.body else None
        candidates = [message.channel, member.preferred_channel, *self.order]
        for channel in dict.fromkeys(c for c in candidates if c):
            if step is not None and not step.has_variant(channel):
                continue  # a campaign step goes out only in a variant written for the channel
            if channel == "email" and message.to and self._email(message) in self.suppressed:
                continue  # the message's own address hard-bounced (the member's own is part of reachability)
            if member.pk in self.reachable.get(channel, ()):
                return channel
        return None

    @staticmethod
    def _email(message: OutboxMessage) -> str:
        to = message.to if message.channel == "email" and message.to else message.member.email
        return to.strip().lower()

    def best_hour(self, member) -> int:
        stats = getattr(member, "stats", None)
        hour = stats.top_open_hour if stats is not None and stats.top_open_hour is not None else self.rules.default_send_hour
        return self.rules.quiet_hours_end if self.rules.is_quiet(hour) else hour

    def best_hour_on(self, day: dt.date, member, zone) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.best_hour(member)), tzinfo=zone)

    def send_at(self, message: OutboxMessage, zone) -> dt.datetime:
        """The member's best hour on the day the message is due (local); once it has passed, as soon as allowed."""
        due_local = message.due_at.astimezone(zone)
        return max(self.best_hour_on(due_local.date(), message.member, zone), due_local)

    def _quiet_end(self, local_now: dt.datetime) -> dt.datetime:
        end = local_now.replace(hour=self.rules.quiet_hours_end, minute=0, second=0, microsecond=0)
        return end if end > local_now else end + dt.timedelta(days=1)

    def _defer(self, message: OutboxMessage, until: dt.datetime, reason: str) -> Decision:
        if message.expires_at and until >= message.expires_at:
            return Decision("suppress", reason=f"window_expired: {reason} would send it after the window")
        return Decision("defer", due_at=until, reason=reason)
