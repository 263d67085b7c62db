"""Triggers become entries and planned steps set-based, once per trigger occurrence; holdout is stable."""
import datetime as dt

import pytest
from django.core import mail
from django.db import connection

from campaigns.models import Campaign, CampaignEntry, OutboxMessage, PlannedAction
from campaigns.services import outbox_send_due
from campaigns.services.holdout import holdout_bucket, holdout_bucket_sql, is_holdout
from campaigns.services.scheduling import (
    campaign_broadcast, campaigns_enter_birthdays, campaigns_enter_replenishment, campaigns_enter_segments,
    campaigns_enter_stage,
)
from core.timezones import shop_day_start, shop_today
from customers.tests.factories import MemberFactory
from lifecycle.models import LifecycleStage, StageTransition
from lifecycle.services import lifecycle_recompute
from lifecycle.tests.test_services import buyer
from segments.models import MemberStats, Segment, SegmentMembership, SegmentMembershipChange

from .factories import CampaignFactory, StepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_test_campaigns():
    Campaign.objects.update(is_active=False)


def test_lifecycle_recompute_run_twice_enters_and_sends_once(django_capture_on_commit_callbacks):
    # given the seeded "New" campaign (thank-you mail) and two members who just became New, one in holdout
    today = shop_today()
    campaign = Campaign.objects.get(slug="stage-new")
    Campaign.objects.exclude(pk=campaign.pk).update(is_active=False)
    Campaign.objects.filter(pk=campaign.pk).update(is_active=True)
    members = [buyer(1, 10, as_of=today) for _ in range(2)]
    for member in members:
        member.email_consent = True
        member.save()
    holdout_member = next((m for m in members if is_holdout(member_id=m.pk, campaign_id=campaign.pk, percent=10)), None)
    # when the lifecycle task runs twice for the day (its signal fires after each commit)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle_recompute(as_of=today)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle_recompute(as_of=today)
    campaigns_enter_stage(occurred_on=today)  # and the periodic sweep catches up on the same day again
    outbox_send_due(now=shop_day_start(today) + dt.timedelta(hours=12))
    outbox_send_due(now=shop_day_start(today) + dt.timedelta(hours=13))
    # then each member entered once and each non-holdout member got exactly one mail
    assert CampaignEntry.objects.filter(campaign=campaign).count() == 2
    treated = [m for m in members if m != holdout_member]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in treated)
    assert all(m.subject == "Спасибо за первую покупку" for m in mail.outbox)


def test_seeded_stage_campaigns_stay_off_until_staff_switch_them_on(django_capture_on_commit_callbacks):
    # given a fresh install: the seeded per-stage campaigns, and a member who just became New
    today = shop_today()
    member = buyer(1, 10, as_of=today)
    member.email_consent = True
    member.save()
    assert Campaign.objects.filter(slug="stage-new", is_active=False).exists()
    # when the first lifecycle run places the member
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle_recompute(as_of=today)
    # then nobody is entered or mailed: staff have not switched the campaigns on
    assert CampaignEntry.objects.count() == 0 and mail.outbox == []


def test_stage_entries_are_set_based_and_holdout_members_get_no_steps(only_test_campaigns):
    # given 200 members who entered "lost" today and a campaign holding out 30 %
    today = shop_today()
    lost = LifecycleStage.objects.get(slug="lost")
    campaign = CampaignFactory(stage=lost, holdout_percent=30)
    StepFactory(campaign=campaign)
    StepFactory(campaign=campaign, action="manager_task", channel="", day_offset=2)
    members = MemberFactory.create_batch(200)
    StageTransition.objects.bulk_create(StageTransition(member=m, to_stage=lost, occurred_on=today, completed_orders=3)
                                        for m in members)
    # when entered (the statement count does not grow with the members)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        entered = campaigns_enter_stage(occurred_on=today)
    # then every member has one entry, holdout exactly as the hash says, and steps only for the others
    held = {m.pk for m in members if is_holdout(member_id=m.pk, campaign_id=campaign.pk, percent=30)}
    assert entered == 200 and len(queries) < 15
    assert set(CampaignEntry.objects.filter(is_holdout=True).values_list("member_id", flat=True)) == held
    assert 40 <= len(held) <= 80
    assert OutboxMessage.objects.count() == PlannedAction.objects.count() == 200 - len(held)
    assert not OutboxMessage.objects.filter(member_id__in=held).exists()
    message = OutboxMessage.objects.first()
    assert message.dedupe_key == f"step:{campaign.steps.first().pk}:{message.member_id}:stage:{today.isoformat()}"
    assert message.expires_at == shop_day_start(today) + dt.timedelta(days=8)


def test_holdout_assignment_is_stable_and_the_same_in_sql_and_python():
    pairs = [(member_id, campaign_id) for member_id in (1, 2, 3, 999, 123456, 9_999_999) for campaign_id in (1, 2, 77)]
    with connection.cursor() as cursor:
        sql_buckets = []
        for member_id, campaign_id in pairs:
            cursor.execute(f"SELECT {holdout_bucket_sql(str(member_id), str(campaign_id))}", [])
            sql_buckets.append(cursor.fetchone()[0])
    python_buckets = [holdout_bucket(member_id=m, campaign_id=c) for m, c in pairs]
    assert sql_buckets == python_buckets == [holdout_bucket(member_id=m, campaign_id=c) for m, c in pairs]
    # the share is close to the percentage and differs between campaigns
    held_a = {m for m in range(1, 10_001) if is_holdout(member_id=m, campaign_id=1, percent=10)}
    held_b = {m for m in range(1, 10_001) if is_holdout(member_id=m, campaign_id=2, percent=10)}
    assert 900 < len(held_a) < 1100 and 900 < len(held_b) < 1100
    assert len(held_a & held_b) < 200


def test_segment_entries_birthdays_and_a_broadcast_each_enter_once(only_test_campaigns):
    today = shop_today()
    segment = Segment.objects.create(slug="vip", name="VIP", kind="static")
    joined, stays = MemberFactory(), MemberFactory()
    SegmentMembershipChange.objects.create(segment=segment, member=joined, kind="entered",
                                           occurred_at=shop_day_start(today), version=4)
    for member in (joined, stays):
        SegmentMembership.objects.create(segment=segment, member=member, since=shop_day_start(today))
    birthday = MemberFactory(birth_date=today.replace(year=1990))
    on_segment = CampaignFactory(trigger="segment_entered", stage=None, segment=segment)
    on_birthday = CampaignFactory(trigger="birthday", stage=None)
    broadcast = CampaignFactory(trigger="broadcast", stage=None, segment=segment)
    for campaign in (on_segment, on_birthday, broadcast):
        StepFactory(campaign=campaign)
    # when every trigger runs twice
    for _ in range(2):
        campaigns_enter_segments(since=shop_day_start(today - dt.timedelta(days=1)))
        campaigns_enter_birthdays(day=today)
        campaign_broadcast(campaign=broadcast)
    # then
    entries = set(CampaignEntry.objects.values_list("campaign_id", "member_id", "occurrence"))
    assert entries == {
        (on_segment.pk, joined.pk, "segment:4"), (on_birthday.pk, birthday.pk, f"birthday:{today.year}"),
        (broadcast.pk, joined.pk, "broadcast"), (broadcast.pk, stays.pk, "broadcast"),
    }
    assert OutboxMessage.objects.count() == 4


def test_replenishment_due_from_analytics_enters_the_members_due_today(only_test_campaigns):
    # given a 30-day buyer whose reminder (70 % of the interval) falls today, and one not due yet
    today = shop_today()
    due, not_yet = MemberFactory(), MemberFactory()
    MemberStats.objects.create(member=due, orders_count=5, last_purchase_on=today - dt.timedelta(days=21),
                               median_days_between=30)
    MemberStats.objects.create(member=not_yet, orders_count=5, last_purchase_on=today - dt.timedelta(days=5),
                               median_days_between=30)
    campaign = CampaignFactory(trigger="replenishment_due", stage=None)
    StepFactory(campaign=campaign, body_template="Time to restock:{% for p in usual_basket %} {{ p.name }}{% endfor %}")
    # when the daily sweep runs twice
    campaigns_enter_replenishment(day=today)
    campaigns_enter_replenishment(day=today)
    # then only the due member entered, once
    assert list(CampaignEntry.objects.values_list("member_id", "occurrence")) == [
        (due.pk, f"replenish:{today.isoformat()}")]
    assert OutboxMessage.objects.get().member == due
