"""Render a campaign step's templates for one member, at send time (points and coupon as they are then)."""
from django.conf import settings
from django.template import Context, Template

from .. import recommendations
from ..models import Action, MemberOffer, OutboxMessage, PlannedAction, PlannedActionStatus


def review_url(token: str) -> str:
    return settings.CAMPAIGNS_PUBLIC_BASE_URL.rstrip("/") + settings.CAMPAIGNS_REVIEW_PATH.format(token=token)


def message_context(*, member, entry=None) -> dict:
    account = getattr(member, "account", None) if member else None
    done = (
        {a.step.action: a for a in PlannedAction.objects.filter(entry=entry, status=PlannedActionStatus.DONE)
         .select_related("step").order_by("done_at")}
        if entry else {}
    )
    review = getattr(done.get(Action.REVIEW_REQUEST), "review_request", None)
    return {
        "member": member,
        "first_name": member.first_name or "",
        "points": account.available_points if account else 0,
        "tier": account.tier.name if account and account.tier_id else "",
        "coupon_code": done[Action.COUPON].result_ref if Action.COUPON in done else "",
        "usual_basket": recommendations.usual_basket(member=member),
        "personal_selection": recommendations.personal_selection(member=member),
        "review_url": review_url(review.token) if review else "",
        "offer": MemberOffer.objects.filter(member=member, campaign_id=entry.campaign_id).first() if entry else None,
    }


def render_step_message(message: OutboxMessage, *, channel: str) -> tuple[str, str, str]:
    """(subject, text body, html body) of the message's step for its member."""
    step = message.campaign_step
    context = Context({**message_context(member=message.member, entry=message.entry), "channel": channel},
                      autoescape=False)
    subject = Template(step.subject_template).render(context).strip() if step.subject_template else ""
    body = Template(step.body_template).render(context).strip()
    return subject, body, ""
