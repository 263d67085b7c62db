"""Content per channel: a step's message goes out in the variant of the channel it is actually sent on."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import CampaignStep, OutboxStatus
from campaigns.services import outbox_send_due
from customers.tests.factories import MemberFactory
from messaging.devices import device_register

from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def queue(step, member):
    entry = EntryFactory(campaign=step.campaign, member=member, triggered_at=NOON)
    return CampaignMessageFactory(entry=entry, campaign_step=step, channel=step.channel, due_at=NOON)


def test_seeded_at_risk_sms_step_falls_back_to_email_with_the_email_variant():
    # given the seeded At-risk campaign's day-2 SMS step and a member with email consent and no SMS consent
    step = CampaignStep.objects.get(campaign__slug="stage-at_risk", day_offset=2, action="message")
    assert step.channel == "sms"
    member = MemberFactory(first_name="Ольга", email_consent=True, sms_consent=False, push_consent=False)
    message = queue(step, member)
    # when the worker sends it
    outbox_send_due(now=NOON)
    # then an email goes out with the email variant's subject and text, not the SMS text
    message.refresh_from_db()
    assert (message.status, message.sent_channel) == (OutboxStatus.DELIVERED, "email")
    [email] = mail.outbox
    assert email.subject == "Ваша скидка 15% ещё ждёт"
    assert email.body.startswith("Здравствуйте, Ольга!\n\nНапоминаем: код")
    assert "ждёт вас." not in email.body  # the SMS variant's text
    assert message.subject == email.subject


def test_fallback_skips_a_consented_channel_the_step_has_no_variant_for(locmem_channels):
    # given an SMS step with SMS and push variants only, and a member who consents to email and push
    step = StepFactory(channel="sms", subject_template="", body_template="", sms_template="SMS {{ first_name }}",
                       push_title_template="Hi", push_body_template="Push {{ first_name }}", push_link="app://coupons")
    member = MemberFactory(first_name="Anna", email_consent=True, sms_consent=False, push_consent=True,
                           preferred_channel="email")
    device_register(member=member, platform="ios", push_token="apns-1")
    message = queue(step, member)
    # when it is sent
    outbox_send_due(now=NOON)
    # then email (preferred, no variant) is skipped and it goes out as push with the push variant and link
    message.refresh_from_db()
    assert (message.status, message.sent_channel, message.reason) == (OutboxStatus.DELIVERED, "push",
                                                                      "fallback from sms")
    assert [(m.channel, m.subject, m.body, m.payload) for m in locmem_channels] == [
        ("push", "Hi", "Push Anna", {"link": "app://coupons"})]
    assert mail.outbox == []


def test_a_message_with_no_variant_for_any_reachable_channel_is_suppressed(locmem_channels):
    # given an SMS-only step and a member reachable only by email
    step = StepFactory(channel="sms", subject_template="", body_template="", sms_template="SMS text")
    member = MemberFactory(email_consent=True, sms_consent=False, push_consent=False)
    message = queue(step, member)
    # when it is due
    outbox_send_due(now=NOON)
    # then nothing is sent and the reason says why
    message.refresh_from_db()
    assert (message.status, message.reason.split(":")[0]) == (OutboxStatus.SUPPRESSED, "no_consent")
    assert mail.outbox == [] and locmem_channels == []


def test_email_variant_sends_its_own_html_with_unsubscribe_and_open_pixel():
    # given an email step with its own HTML
    step = StepFactory(html_template="<html><body><h1>Hi {{ first_name }}</h1></body></html>")
    member = MemberFactory(first_name="<Bo>", email_consent=True)
    queue(step, member)
    # when it is sent
    outbox_send_due(now=NOON)
    # then the HTML part is the step's (escaped) with the footer before </body>, and the text part stays text
    [email] = mail.outbox
    html = email.alternatives[0][0]
    assert html.startswith("<html><body><h1>Hi &lt;Bo&gt;</h1><hr>") and html.endswith("</body></html>")
    assert '.gif" width="1"' in html and "/u/" in html
    assert email.body.startswith("Hello <Bo>")


def test_a_message_step_needs_a_variant_for_its_own_channel():
    # given an SMS step with only an email text
    step = StepFactory.build(channel="sms", sms_template="")
    # when it is validated / then the SMS text is asked for
    with pytest.raises(Exception) as error:
        step.full_clean(exclude=["campaign"])
    assert "sms_template" in error.value.message_dict


def test_seeded_stage_campaigns_have_all_three_variants_in_russian():
    # given the seeded stage campaigns / then every message step has email, SMS and push in Russian
    steps = CampaignStep.objects.filter(campaign__slug__startswith="stage-", action="message")
    assert steps.count() == 10
    for step in steps:
        assert step.variant_channels == ["email", "sms", "push"], step
        assert step.subject_template and step.push_title_template and step.push_link
        assert any("а" <= c <= "я" for c in step.sms_template.lower()), step.sms_template


def test_step_form_warns_of_missing_fallback_variants_shows_sms_segments_and_previews_each_variant(admin_client):
    # given an email step with an SMS variant of 71 Cyrillic characters and no push variant, and a member
    MemberFactory(first_name="Ольга")
    step = StepFactory(sms_template="ж" * 71)
    # when staff open the campaign
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[step.campaign_id])).content.decode()
    # then the form warns about push, counts the SMS in UCS-2 segments, and previews both variants for the member
    assert "No Push variant" in page or "Нет варианта Push" in page
    assert "No SMS variant" not in page and "Нет варианта SMS" not in page
    assert "71" in page and "UCS-2" in page
    assert "Hello Ольга" in page and "ж" * 71 in page
