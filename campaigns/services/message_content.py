"""Render a campaign step's templates for one member, at send time (points and coupon as they are then)."""
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.template import Context, Template

from analytics import recommendations
from core.links import public_url

from ..channels import PermanentSendError
from ..models import Action, CampaignStep, MemberOffer, OutboxMessage, PlannedAction, PlannedActionStatus


class NoVariant(PermanentSendError):
    """The step has no content for the channel."""


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    return Template(text)


def review_url(token: str) -> str:
    return public_url(settings.CAMPAIGNS_REVIEW_PATH.format(token=token))


def message_context(*, member, entry=None) -> dict:
    """Template context. Values are callables the template engine calls only if the text uses them, so a
    plain message costs no product or coupon query."""
    cache = {}

    def once(name, compute):
        def value():
            if name not in cache:
                cache[name] = compute()
            return cache[name]
        return value

    account = once("account", lambda: _account(member))
    done = once("done", lambda: _done_actions(entry))

    def review():
        request = getattr(done().get(Action.REVIEW_REQUEST), "review_request", None)
        return review_url(request.token) if request else ""

    return {
        "member": member,
        "first_name": member.first_name or "",
        "points": lambda: account().available_points if account() else 0,
        "tier": lambda: account().tier.name if account() and account().tier_id else "",
        "coupon_code": lambda: done()[Action.COUPON].result_ref if Action.COUPON in done() else "",
        "usual_basket": once("basket", lambda: recommendations.usual_basket(member=member)),
        "personal_selection": once("selection", lambda: recommendations.personal_selection(member=member)),
        "review_url": review,
        "offer": lambda: MemberOffer.objects.filter(member=member, campaign_id=entry.campaign_id).first() if entry else None,
        "survey_url": settings.CAMPAIGNS_SURVEY_URL,
        "event": once("event", lambda: trigger_event(entry)),
    }


def trigger_event(entry) -> dict:
    """An event campaign's triggering event: its properties (`event.items`, `event.points`…) and `event.time`."""
    occurrence = getattr(entry, "occurrence", "") or ""
    if not occurrence.startswith("event:"):
        return {}
    from events.models import Event

    row = Event.objects.filter(pk=int(occurrence.removeprefix("event:"))).values("properties", "occurred_at").first()
    return {**row["properties"], "time": row["occurred_at"]} if row else {}


def _account(member):
    from loyalty.models import MemberAccount

    if hasattr(member, "_campaign_account"):  # prefetched for the whole batch by the outbox worker
        return member._campaign_account
    return MemberAccount.objects.select_related("tier").filter(member=member).first()


def _done_actions(entry) -> dict:
    if entry is None:
        return {}
    return {a.step.action: a for a in PlannedAction.objects.filter(entry=entry, status=PlannedActionStatus.DONE)
            .select_related("step", "review_request").order_by("done_at")}


@dataclass(frozen=True)
class StepContent:
    """A step's variant for one channel, rendered: email (subject, text, html), SMS (text), push (title = subject,
    text, deep link)."""

    subject: str = ""
    body: str = ""
    html: str = ""
    link: str = ""


def render_step_variant(step: CampaignStep, *, channel: str, member, entry=None, extra: dict | None = None) -> StepContent:
    """The step's variant for `channel` rendered for `member`. Raises NoVariant when the step has none for it
    (the send rules skip such channels, so this only happens if the step was edited after the decision)."""
    if not step.has_variant(channel):
        raise NoVariant(f"the step has no {channel} variant")
    context = Context({**message_context(member=member, entry=entry), "channel": channel, **(extra or {})},
                      autoescape=False)

    def render(text: str) -> str:
        return _compiled(text).render(context).strip() if text else ""

    if channel == "email":
        html = ""
        if step.html_template:
            html = _compiled(step.html_template).render(Context(context.flatten(), autoescape=True)).strip()
        return StepContent(subject=render(step.subject_template), body=render(step.body_template), html=html)
    if channel == "sms":
        return StepContent(body=render(step.sms_template))
    return StepContent(subject=render(step.push_title_template), body=render(step.push_body_template),
                       link=render(step.push_link))


def render_step_message(message: OutboxMessage, *, channel: str) -> StepContent:
    """The message's step rendered for its member in the variant of the channel it goes out on."""
    return render_step_variant(message.campaign_step, channel=channel, member=message.member, entry=message.entry)


def step_fallback_gaps(step: CampaignStep) -> list[str]:
    """Channels the step's message may fall back to (any channel a member may prefer, and the shop's order)
    that it has no variant for: members reachable only there will not get it."""
    if step.action != Action.MESSAGE:
        return []
    from customers.models import Channel

    from ..models import CampaignSettings

    order = [c.strip() for c in CampaignSettings.current().channel_order.split(",") if c.strip()]
    channels = dict.fromkeys([*order, *Channel.values])
    return [channel for channel in channels if channel != step.channel and not step.has_variant(channel)]


@dataclass(frozen=True)
class VariantPreview:
    channel: str
    content: StepContent | None
    error: str = ""

    @property
    def sms(self):
        from messaging.sms_length import sms_length

        return sms_length(self.content.body) if self.content and self.channel == "sms" else None


def step_variant_previews(step: CampaignStep, *, member) -> list[VariantPreview]:
    """Each variant of the step rendered for a real member; a coupon code and review link stand in for the
    ones the campaign would make."""
    from django.template import TemplateSyntaxError

    sample = {"coupon_code": "SAMPLECODE42", "review_url": "https://…/reviews/…/"}
    previews = []
    for channel in step.variant_channels:
        try:
            previews.append(VariantPreview(channel, render_step_variant(step, channel=channel, member=member,
                                                                        extra=sample)))
        except TemplateSyntaxError as error:
            previews.append(VariantPreview(channel, None, str(error)))
    return previews
