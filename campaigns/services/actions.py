"""Run due non-message steps (coupon, bonus points, review request, manager task, offer), each once."""
import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.template import Context, Template
from django.utils import timezone

from core.exceptions import DomainError
from core.timezones import shop_today
from loyalty.models import OrderStatus

from ..models import Action, ManagerTask, MemberOffer, OutboxStatus, PlannedAction, PlannedActionStatus, StepCondition
from .message_content import trigger_event
from .reviews import review_request_create

logger = logging.getLogger(__name__)


class Skip(Exception):
    """The step does not apply to this member (no order to review, …); recorded as skipped."""


def planned_actions_run(*, batch_size: int = 500, now: dt.datetime | None = None) -> Counter:
    """Run every pending action due by `now`. Each runs in its own transaction with its row locked, and
    the loyalty services are idempotent by the action's cause key, so overlapping or repeated runs act once.
    """
    now = now or timezone.now()
    counts, seen = Counter(), set()
    while True:
        ids = [pk for pk in PlannedAction.objects.filter(status=PlannedActionStatus.PENDING, due_at__lte=now)
               .order_by("due_at", "id").values_list("id", flat=True)[:batch_size] if pk not in seen]
        if not ids:
            break
        seen.update(ids)
        for pk in ids:
            counts[_run_one(pk, now)] += 1
    if counts:
        logger.info("campaign_actions_finished %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts


def planned_actions_awaited_run(*, now: dt.datetime, batch_size: int = 500) -> Counter:
    """Run the due actions of entries that have a message due by `now`: the coupon, review link or offer its text
    may name is made before the outbox renders it, in the same pass, instead of the message being deferred by the
    send rules' wait for actions. Each action runs once, as in planned_actions_run; one another worker holds is
    left to it (the message then waits, as before)."""
    ids = list(PlannedAction.objects.filter(status=PlannedActionStatus.PENDING, due_at__lte=now,
                                            entry__messages__status=OutboxStatus.PENDING,
                                            entry__messages__due_at__lte=now)
               .order_by("due_at", "id").values_list("id", flat=True).distinct()[:batch_size])
    counts = Counter(_run_one(pk, now) for pk in ids)
    if counts:
        logger.info("campaign_actions_before_messages %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts


@transaction.atomic
def _run_one(pk: int, now: dt.datetime) -> str:
    action = (PlannedAction.objects.select_for_update(skip_locked=True, of=("self",))
              .select_related("step__campaign", "step__coupon_template", "entry__member")
              .filter(pk=pk, status=PlannedActionStatus.PENDING).first())
    if action is None:
        return "busy"
    step, entry = action.step, action.entry
    window_end = entry.triggered_at + dt.timedelta(days=step.campaign.effective_action_window[1] + 1)
    status, reason, ref = PlannedActionStatus.DONE, "", ""
    if now > window_end:
        status, reason = PlannedActionStatus.SKIPPED, "window_expired"
    elif step.condition == StepCondition.NO_PURCHASE_SINCE_TRIGGER and entry.member.orders.filter(
            status=OrderStatus.COMPLETED, created_at__gt=entry.triggered_at).exists():
        status, reason = PlannedActionStatus.SKIPPED, "condition: purchased since the trigger"
    else:
        try:
            with transaction.atomic():
                ref = HANDLERS[step.action](action)
        except Skip as skip:
            status, reason = PlannedActionStatus.SKIPPED, str(skip)
        except DomainError as error:
            status, reason = PlannedActionStatus.FAILED, f"{error.code}: {error.message}"[:255]
    PlannedAction.objects.filter(pk=pk).update(status=status, reason=reason, result_ref=str(ref)[:128], done_at=now)
    return status if status != PlannedActionStatus.SKIPPED else f"skipped_{reason.split(':')[0]}"


def _issue_coupon(action: PlannedAction) -> str:
    from loyalty.services import coupon_issue

    coupon = coupon_issue(template=action.step.coupon_template, member=action.entry.member, source="campaign",
                          cause_key=action.cause_key)
    if action.step.offer_title:
        _offer(action, coupon=coupon)
    return coupon.code


def _award_points(action: PlannedAction) -> str:
    from loyalty.services import points_award_bonus

    step = action.step
    expires_on = shop_today() + dt.timedelta(days=step.bonus_valid_days) if step.bonus_valid_days else None
    entry = points_award_bonus(member=action.entry.member, points=step.bonus_points, reason=f"Campaign: {step.campaign}",
                               cause_key=action.cause_key, expires_on=expires_on)
    return str(entry.pk)


def _request_review(action: PlannedAction) -> str:
    # An event campaign asks about the order its event names (an order delivered); others about the last one.
    order = trigger_event(action.entry).get("order")
    request = review_request_create(member=action.entry.member, planned_action=action,
                                    order_external_id=order if isinstance(order, str) else None)
    if request is None:
        raise Skip("no completed order to review")
    return str(request.pk)


def _manager_task(action: PlannedAction) -> str:
    step, member = action.step, action.entry.member
    task, _ = ManagerTask.objects.get_or_create(cause_key=action.cause_key, defaults={
        "member": member, "campaign": step.campaign, "assignee": step.task_assignee,
        "title": step.task_text or f"{step.campaign}: contact {member}",
        "due_on": shop_today() + dt.timedelta(days=step.task_due_days),
    })
    return str(task.pk)


def _offer(action: PlannedAction, coupon=None) -> str:
    step, member = action.step, action.entry.member
    if coupon is None:
        from loyalty.models import Coupon

        coupon = Coupon.objects.filter(cause_key__startswith="campaign:", member=member,
                                       cause_key__endswith=f":{action.entry_id}").order_by("-id").first()
    body = Template(step.body_template).render(Context({"member": member, "first_name": member.first_name,
                                                        "coupon_code": coupon.code if coupon else ""}))
    # An offer with a coupon lasts exactly as long as the coupon, so the member never sees two expiry dates.
    valid_until = coupon.expires_at if coupon else timezone.now() + dt.timedelta(days=step.offer_valid_days)
    offer, _ = MemberOffer.objects.get_or_create(cause_key=action.cause_key, defaults={
        "member": member, "campaign": step.campaign, "title": step.offer_title or str(step.campaign),
        "body": body.strip(), "coupon": coupon, "valid_until": valid_until,
    })
    return str(offer.pk)


HANDLERS = {
    Action.COUPON: _issue_coupon,
    Action.BONUS_POINTS: _award_points,
    Action.REVIEW_REQUEST: _request_review,
    Action.MANAGER_TASK: _manager_task,
    Action.OFFER: _offer,
}
