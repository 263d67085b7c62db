"""Render a campaign step's templates for one member, at send time (points and coupon as they are then)."""
from functools import lru_cache

from django.conf import settings
from django.template import Context, Template

from analytics import recommendations
from core.links import public_url

from ..models import Action, MemberOffer, OutboxMessage, PlannedAction, PlannedActionStatus


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
    }


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


def render_step_message(message: OutboxMessage, *, channel: str) -> tuple[str, str, str]:
    """(subject, text body, html body) of the message's step for its member."""
    step = message.campaign_step
    context = Context({**message_context(member=message.member, entry=message.entry), "channel": channel},
                      autoescape=False)
    subject = _compiled(step.subject_template).render(context).strip() if step.subject_template else ""
    body = _compiled(step.body_template).render(context).strip()
    return subject, body, ""
