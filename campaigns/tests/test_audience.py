"""A campaign's audience: a segment limits any trigger, priorities part overlapping campaigns, the page
previews who would enter, step days are checked against the action window, and overlaps are warned of."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, OutboxMessage, OutboxStatus
from campaigns.selectors import campaign_audience_preview
from campaigns.services import outbox_send_due
from campaigns.services.holdout import is_holdout
from campaigns.services.scheduling import campaigns_enter_stage
from core.timezones import shop_day_start, shop_today
from customers.tests.factories import MemberFactory
from lifecycle.models import LifecycleStage, MemberLifecycle, StageTransition
from segments.models import Segment, SegmentMembership

from .factories import CampaignFactory, StepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_risk():
    Campaign.objects.update(is_active=False)  # the seeded campaigns stay out of the way
    return LifecycleStage.objects.get(slug="at_risk")


def _entered_stage(stage, members, day):
    StageTransition.objects.bulk_create(
        StageTransition(member=m, to_stage=stage, occurred_on=day, completed_orders=3) for m in members)
    for member in members:
        MemberLifecycle.objects.update_or_create(member=member, defaults={"stage": stage, "entered_at": "2026-01-01T00:00Z"})


def test_a_stage_campaign_limited_to_a_segment_enters_only_its_members(at_risk):
    # given six members entering At risk today, two of them in the "parents" segment
    today = shop_today()
    parents = Segment.objects.create(slug="parents", name="Parents", kind="static")
    members = MemberFactory.create_batch(6)
    for member in members[:2]:
        SegmentMembership.objects.create(segment=parents, member=member, since=timezone.now())
    _entered_stage(at_risk, members, today)
    campaign = CampaignFactory(stage=at_risk, segment=parents)

    # when the day's stage entries are planned
    campaigns_enter_stage(occurred_on=today)

    # then only the segment's members entered
    assert set(CampaignEntry.objects.filter(campaign=campaign).values_list("member_id", flat=True)) == {
        m.pk for m in members[:2]}


def test_a_member_enters_only_the_highest_priority_campaign_of_a_stage(at_risk):
    # given two active At-risk campaigns with 15 % coupons, priorities 2 and 1, and a third one without a priority
    today = shop_today()
    members = MemberFactory.create_batch(4)
    _entered_stage(at_risk, members, today)
    low = CampaignFactory(stage=at_risk, priority=1, holdout_percent=20)
    high = CampaignFactory(stage=at_risk, priority=2, holdout_percent=20)
    independent = CampaignFactory(stage=at_risk)

    # when planned, twice (the sweep catches up on the same day)
    campaigns_enter_stage(occurred_on=today)
    campaigns_enter_stage(occurred_on=today)

    # then each member is in the high-priority campaign (treated or held out), none in the low one,
    # and the campaign without a priority does not compete
    assert CampaignEntry.objects.filter(campaign=high).count() == 4
    assert CampaignEntry.objects.filter(campaign=low).count() == 0
    assert CampaignEntry.objects.filter(campaign=independent).count() == 4


def test_the_audience_preview_counts_stage_members_in_the_segment_by_consent_and_holdout(at_risk):
    # given ten members in At risk, eight of them in the segment, three of those with email consent, one with SMS
    # consent and a phone
    segment = Segment.objects.create(slug="women", name="Women", kind="static")
    members = [MemberFactory(email_consent=n < 3, sms_consent=n == 7, phone="+79990000007" if n == 7 else "")
               for n in range(10)]
    for member in members[:8]:
        SegmentMembership.objects.create(segment=segment, member=member, since=timezone.now())
    _entered_stage(at_risk, members, shop_today())
    campaign = CampaignFactory(stage=at_risk, segment=segment, holdout_percent=50)

    # when previewed
    preview = campaign_audience_preview(campaign=campaign)

    # then the counts are the segment's share of the stage, split as the hash and consents say
    assert preview.members == 8
    assert preview.holdout == sum(is_holdout(member_id=m.pk, campaign_id=campaign.pk, percent=50) for m in members[:8])
    assert preview.reachable == {"email": 3, "sms": 1, "push": 0, "any": 4}
    assert preview.entering_per_day == round(8 / 30, 1)


def test_the_audience_preview_counts_push_reach_by_a_registered_device_and_other_channels_by_an_address(at_risk):
    # given four push-consented members in At risk, two with the app installed (one with two phones), and an
    # email-consented member without an address
    from messaging.devices import device_register

    push = [MemberFactory(push_consent=True, email_consent=False, sms_consent=False) for _ in range(4)]
    device_register(member=push[0], platform="android", push_token="fcm-a")
    device_register(member=push[0], platform="ios", push_token="apns-a")
    device_register(member=push[1], platform="android", push_token="fcm-b")
    no_address = MemberFactory(email="", email_consent=True, sms_consent=False, push_consent=False)
    _entered_stage(at_risk, [*push, no_address], shop_today())
    campaign = CampaignFactory(stage=at_risk)

    # when previewed
    preview = campaign_audience_preview(campaign=campaign)

    # then push counts the two members a push can reach (each once), not the four who consented, and the
    # member without an address counts on no channel
    assert preview.members == 5
    assert preview.reachable == {"email": 0, "sms": 0, "push": 2, "any": 2}


def test_the_audience_preview_counts_whom_the_send_path_reaches_not_hard_bounced_addresses(at_risk):
    # given five members entering At risk: one whose address hard-bounced (email only), one bounced with a phone
    # and SMS consent, one fine, one whose bounce was lifted, one who complained (consent withdrawn)
    from messaging.models import EmailSuppression

    def member(email, **consents):
        return MemberFactory(email=email, **{"email_consent": True, "sms_consent": False, "push_consent": False,
                                             "phone": "", **consents})

    bounced = member("Bounced@Example.com")
    bounced_with_phone = member("gone@example.com", sms_consent=True, phone="+79990000001")
    fine, lifted = member("fine@example.com"), member("back@example.com")
    complained = member("angry@example.com", email_consent=False)
    EmailSuppression.objects.create(address="bounced@example.com", reason="hard_bounce")
    EmailSuppression.objects.create(address="gone@example.com", reason="hard_bounce")
    EmailSuppression.objects.create(address="back@example.com", reason="hard_bounce", lifted_at=timezone.now())
    today = shop_today()
    _entered_stage(at_risk, [bounced, bounced_with_phone, fine, lifted, complained], today)
    campaign = CampaignFactory(stage=at_risk, holdout_percent=0)
    StepFactory(campaign=campaign, channel="email", sms_template="СМС {{ first_name }}")

    # when previewed
    preview = campaign_audience_preview(campaign=campaign)

    # then the bounced addresses count for no email, the phone still counts for SMS
    assert preview.reachable == {"email": 2, "sms": 1, "push": 0, "any": 3}

    # and when the day's entries are planned and sent, the send path reaches exactly whom the preview counted
    campaigns_enter_stage(occurred_on=today)
    outbox_send_due(now=shop_day_start(today) + dt.timedelta(hours=12))
    delivered = dict(OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).values_list("member_id", "sent_channel"))
    assert delivered == {fine.pk: "email", lifted.pk: "email", bounced_with_phone.pk: "sms"}
    assert len(delivered) == preview.reachable["any"]


def test_a_step_after_the_action_window_is_refused(at_risk):
    # given a campaign whose messages must go out within 7 days
    campaign = CampaignFactory(stage=at_risk, action_window_days=7)

    # when a step is put on day 18, then it is refused; day 7 is fine
    with pytest.raises(ValidationError) as refused:
        StepFactory.build(campaign=campaign, day_offset=18).full_clean()
    assert "day_offset" in refused.value.message_dict
    StepFactory.build(campaign=campaign, day_offset=7).full_clean()


def test_saving_a_campaign_that_overlaps_another_warns_and_the_audience_page_shows_it(admin_client, at_risk):
    # given an active At-risk campaign
    first = CampaignFactory(stage=at_risk, name="Win-back A")
    second = CampaignFactory(stage=at_risk, name="Win-back B", is_active=False)
    url = reverse("admin:campaigns_campaign_change", args=[second.pk])
    form = {"slug": second.slug, "name": second.name, "trigger": "stage_entered", "stage": at_risk.pk,
            "is_active": "on", "holdout_percent": 10, "steps-TOTAL_FORMS": 0, "steps-INITIAL_FORMS": 0}

    # when staff switch on a second one for the same stage
    response = admin_client.post(url, form, follow=True)

    # then they are warned by name; with different priorities they are not
    warnings = [str(m) for m in response.context["messages"]]
    assert any("Win-back A" in text for text in warnings)
    Campaign.objects.filter(pk=first.pk).update(priority=1)
    response = admin_client.post(url, {**form, "priority": 5}, follow=True)
    assert not any("Win-back A" in str(m) for m in response.context["messages"] if m.level_tag == "warning")
    page = admin_client.get(reverse("admin:campaigns_campaign_audience", args=[second.pk])).content.decode()
    assert "Win-back A" in page and 'data-testid="audience-members"' in page
