"""The dry run from the campaign's audience page: what the planning would do now, with nothing kept."""
import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignEntry, OutboxMessage, PlannedAction
from campaigns.services.dry_run import campaign_plan_dry_run
from campaigns.services.holdout import is_holdout
from campaigns.services.scheduling import campaigns_plan_due
from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from lifecycle.models import LifecycleStage, StageTransition

from .factories import CampaignFactory, StepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_risk_campaign():
    """An inactive At-risk campaign (an email on day 0, a manager task on day 1, 30 % held out) and six
    members who entered At risk today."""
    Campaign.objects.update(is_active=False)
    stage = LifecycleStage.objects.get(slug="at_risk")
    members = MemberFactory.create_batch(6)
    StageTransition.objects.bulk_create(StageTransition(member=m, to_stage=stage, occurred_on=shop_today(),
                                                        completed_orders=3) for m in members)
    campaign = CampaignFactory(stage=stage, holdout_percent=30, is_active=False)
    StepFactory(campaign=campaign, day_offset=0)
    StepFactory(campaign=campaign, day_offset=1, action="manager_task", channel="", task_text="Позвонить")
    return campaign, members


def test_the_dry_run_counts_what_the_planning_would_do_and_keeps_nothing(at_risk_campaign):
    # given
    campaign, members = at_risk_campaign
    held_out = sum(is_holdout(member_id=m.pk, campaign_id=campaign.pk, percent=30) for m in members)
    # when
    result = campaign_plan_dry_run(campaign=campaign)
    # then it counts every entrant, the held-out ones, and a message and a task per treated member
    assert (result.entered, result.held_out) == (6, held_out)
    assert result.messages == {"email": 6 - held_out}
    assert result.actions == {"manager_task": 6 - held_out}
    # and nothing was kept
    assert not CampaignEntry.objects.exists() and not OutboxMessage.objects.filter(campaign_step__isnull=False).exists()
    assert not PlannedAction.objects.exists()


def test_the_dry_run_agrees_with_the_real_run_once_switched_on(at_risk_campaign):
    # given the dry run's figures
    campaign, _ = at_risk_campaign
    expected = campaign_plan_dry_run(campaign=campaign)
    # when the campaign is switched on and the real sweep runs
    Campaign.objects.filter(pk=campaign.pk).update(is_active=True)
    campaigns_plan_due()
    # then it did what the dry run said
    assert CampaignEntry.objects.filter(campaign=campaign).count() == expected.entered
    assert OutboxMessage.objects.filter(campaign_step__campaign=campaign).count() == sum(expected.messages.values())
    assert PlannedAction.objects.filter(step__campaign=campaign).count() == sum(expected.actions.values())


def test_the_audience_page_runs_the_dry_run_on_request(admin_client, at_risk_campaign):
    # given
    campaign, _ = at_risk_campaign
    url = reverse("admin:campaigns_campaign_audience", args=[campaign.pk])
    assert 'data-testid="dry-run"' not in admin_client.get(url).content.decode()
    # when staff press the dry-run button
    page = admin_client.post(url, {"dry_run": "1"}).content.decode()
    # then the page shows the counts, and nothing entered
    assert 'data-testid="dry-run-entered">6<' in page
    assert not CampaignEntry.objects.exists()
