"""Reads: review invitations and personal offers (other apps use these), campaign results, audience
previews, overlapping campaigns and the outbox backlog."""
import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import DomainError
from core.timezones import shop_today
from messaging.reachability import CHANNELS, reachable_q

from .models import Campaign, MemberOffer, OutboxMessage, OutboxStatus, ReviewRequest, Trigger
from .services.holdout import holdout_bucket_sql
from .services.reviews import REVIEW_SALT


def review_request_from_token(*, token: str) -> ReviewRequest:
    """The unused review request a link names; raises DomainError `invalid_token` (forged, unknown or used)."""
    try:
        signing.Signer(salt=REVIEW_SALT).unsign(token)
        request = ReviewRequest.objects.select_related("order", "member").get(token=token)
    except (signing.BadSignature, ReviewRequest.DoesNotExist):
        raise DomainError("This review link is not valid.", code="invalid_token", http_status=404) from None
    if request.used_at:
        raise DomainError("This review was already submitted.", code="invalid_token", http_status=409)
    return request


def member_offers(*, member) -> QuerySet[MemberOffer]:
    """The member's offers still valid now, soonest ending first."""
    return MemberOffer.objects.filter(member=member, valid_until__gt=timezone.now()).select_related("coupon")


def campaign_results(*, campaign):
    from .results import campaign_results as results

    return results(campaign=campaign)


@dataclass(frozen=True)
class AudiencePreview:
    """Who a campaign would reach now: the trigger's current population within the audience segment."""

    described_as: str  # what "now" counts, in the marketer's words
    members: int
    holdout: int
    reachable: dict  # channel -> members reachable on it as the send path sees them (messaging.reachability), and "any"
    entering_per_day: float | None  # stage campaigns: entries into the stage per day over the last 30 days
    taken_by_higher_priority: int  # of `members`, how many a higher-priority campaign of the stage would take


def _trigger_population(campaign) -> tuple[QuerySet, str]:
    from customers.models import Member

    members = Member.objects.order_by()
    if campaign.trigger == Trigger.STAGE_ENTERED:
        return members.filter(lifecycle__stage_id=campaign.stage_id), gettext("members now in the stage")
    if campaign.trigger in (Trigger.SEGMENT_ENTERED, Trigger.BROADCAST):
        return members.filter(segment_memberships__segment_id=campaign.segment_id), gettext("members now in the segment")
    if campaign.trigger == Trigger.BIRTHDAY:
        today = shop_today()
        days = [today + dt.timedelta(days=n) for n in range(30)]
        birthdays = Q()
        for day in days:
            birthdays |= Q(birth_date__month=day.month, birth_date__day=day.day)
        return members.filter(birthdays), gettext("birthdays in the next 30 days")
    from analytics.replenishment import replenishment_due

    return replenishment_due(as_of=shop_today()), gettext("reminders due today")


def campaign_audience_preview(*, campaign) -> AudiencePreview:
    """Counts for the campaign page, in a few aggregate queries (no loop over members)."""
    from lifecycle.models import StageTransition

    members, described_as = _trigger_population(campaign)
    if campaign.segment_id and campaign.trigger not in (Trigger.SEGMENT_ENTERED, Trigger.BROADCAST):
        members = members.filter(segment_memberships__segment_id=campaign.segment_id)
    bucket = RawSQL(holdout_bucket_sql(f'"{members.model._meta.db_table}"."id"', str(int(campaign.pk))), [])
    reach = {channel: reachable_q(channel) for channel in CHANNELS}  # the send path's rule
    counts = members.annotate(bucket=bucket).aggregate(
        members=Count("id"),
        holdout=Count("id", filter=Q(bucket__lt=campaign.holdout_percent)),
        any=Count("id", filter=reach["email"] | reach["sms"] | reach["push"]),
        **{channel: Count("id", filter=condition) for channel, condition in reach.items()},
    )
    entering_per_day = taken = None
    if campaign.trigger == Trigger.STAGE_ENTERED:
        since = shop_today() - dt.timedelta(days=30)
        moved_in = StageTransition.objects.filter(to_stage_id=campaign.stage_id, occurred_on__gt=since,
                                                  member__in=members.values("id"))
        entering_per_day = round(moved_in.count() / 30, 1)
        if campaign.priority is not None:
            rivals = campaign_overlaps(campaign=campaign).filter(priority__gt=campaign.priority)
            taken = members.filter(
                Exists(rivals.filter(Q(segment__isnull=True)
                                     | Q(segment__memberships__member_id=OuterRef("id"))))).count()
    return AudiencePreview(
        described_as=described_as, members=counts["members"], holdout=counts["holdout"],
        reachable={key: counts[key] for key in ("email", "sms", "push", "any")},
        entering_per_day=entering_per_day, taken_by_higher_priority=taken or 0,
    )


def campaign_overlaps(*, campaign) -> QuerySet[Campaign]:
    """Other active campaigns that fire on the same trigger occurrence (same stage, or same segment)."""
    others = Campaign.objects.filter(is_active=True, trigger=campaign.trigger).exclude(pk=campaign.pk)
    if campaign.trigger == Trigger.STAGE_ENTERED:
        return others.filter(stage_id=campaign.stage_id)
    if campaign.trigger in (Trigger.SEGMENT_ENTERED, Trigger.BROADCAST):
        return others.filter(segment_id=campaign.segment_id)
    return others


def outbox_due_backlog(*, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """Messages due by `now` and not sent yet (pending, or claimed by a worker), and the oldest one's due time.

    One aggregate over the worker's partial index (`outbox_due`), cheap enough for every metrics scrape and
    readiness probe; messages planned for later are not a backlog.
    """
    row = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], due_at__lte=now
    ).aggregate(count=Count("pk"), oldest=Min("due_at"))
    return row["count"], row["oldest"]
