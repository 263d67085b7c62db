"""A campaign's planning run that keeps nothing: who would enter now and what would be planned for them."""
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q

from core.timezones import shop_day_start, shop_today

from ..models import Campaign, CampaignEntry, OutboxMessage, PlannedAction, Trigger
from . import scheduling


@dataclass(frozen=True)
class PlanDryRun:
    entered: int
    held_out: int
    messages: dict[str, int]  # channel -> messages that would be queued
    actions: dict[str, int]  # step action -> actions that would be planned

    @property
    def planned(self) -> int:
        return sum(self.messages.values()) + sum(self.actions.values())


def campaign_plan_dry_run(*, campaign: Campaign, day: dt.date | None = None) -> PlanDryRun:
    """Run the 15-minute sweep's passes for this one campaign (active or not, so a marketer can check it
    before switching it on) and count what they add, inside a transaction that is then rolled back:
    nothing is entered, planned or sent. A broadcast counts its launch. Other campaigns are not run, so
    a higher-priority rival takes only the members it has already entered."""
    day = day or shop_today()
    only = Campaign.objects.filter(pk=campaign.pk)
    with transaction.atomic():
        marks = {model: model.objects.aggregate(last=Max("pk"))["last"] or 0
                 for model in (CampaignEntry, OutboxMessage, PlannedAction)}
        if campaign.trigger == Trigger.STAGE_ENTERED:
            for back in (1, 0):
                scheduling.campaigns_enter_stage(occurred_on=day - dt.timedelta(days=back), campaigns=only)
        elif campaign.trigger == Trigger.SEGMENT_ENTERED:
            scheduling.campaigns_enter_segments(since=shop_day_start(day - dt.timedelta(days=1)), campaigns=only)
        elif campaign.trigger == Trigger.BIRTHDAY:
            scheduling.campaigns_enter_birthdays(day=day, campaigns=only)
        elif campaign.trigger == Trigger.REPLENISHMENT_DUE:
            scheduling.campaigns_enter_replenishment(day=day, campaigns=only)
        elif campaign.trigger == Trigger.BROADCAST:
            scheduling.campaign_broadcast(campaign=campaign)
        entries = CampaignEntry.objects.filter(campaign=campaign, pk__gt=marks[CampaignEntry]).aggregate(
            entered=Count("pk"), held_out=Count("pk", filter=Q(is_holdout=True)))
        messages = Counter(dict(OutboxMessage.objects.filter(campaign_step__campaign=campaign,
                                                             pk__gt=marks[OutboxMessage])
                                .values_list("channel").annotate(n=Count("pk")).order_by()))
        actions = Counter(dict(PlannedAction.objects.filter(step__campaign=campaign, pk__gt=marks[PlannedAction])
                               .values_list("step__action").annotate(n=Count("pk")).order_by()))
        transaction.set_rollback(True)
    return PlanDryRun(entered=entries["entered"], held_out=entries["held_out"], messages=dict(messages),
                      actions=dict(actions))
