import datetime as dt

import factory

from campaigns.models import Campaign, CampaignEntry, CampaignStep, OutboxMessage, Purpose, WebhookSubscription
from customers.tests.factories import MemberFactory
from django.utils import timezone


def seeded_new_stage():
    """The seeded New stage; brought back as seeded when a transactional test (a real worker's, a browser's)
    has flushed the migrations' rows before this one runs."""
    from lifecycle.models import LifecycleStage

    stage, _ = LifecycleStage.objects.get_or_create(slug="new", defaults={
        "name": "New", "min_orders": 1, "max_orders": 1, "entry_day": 10, "conversion_window_days": 7,
        "action_window_end_days": 6, "position": 1})
    return stage


def permissive_send_rules():
    """Send rules that hold nothing back (any hour, no quiet hours, high caps), in place of any there are."""
    from campaigns.models import CampaignSettings

    CampaignSettings.objects.all().delete()
    return CampaignSettings.objects.create(max_per_day=100, max_per_week=100, quiet_hours_start=0, quiet_hours_end=0,
                                           default_send_hour=0, channel_order="email,push,sms")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    trigger = "stage_entered"
    stage = factory.LazyFunction(lambda: seeded_new_stage())
    holdout_percent = 0
    action_window_days = 7


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignStep

    campaign = factory.SubFactory(CampaignFactory)
    action = "message"
    channel = "email"
    subject_template = "Hi {{ first_name }}"
    body_template = "Hello {{ first_name }}"


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignEntry

    campaign = factory.SubFactory(CampaignFactory)
    member = factory.SubFactory(MemberFactory, email_consent=True)
    occurrence = factory.Sequence(lambda n: f"test:{n}")
    triggered_at = factory.LazyFunction(timezone.now)


class CampaignMessageFactory(factory.django.DjangoModelFactory):
    """A planned campaign message as the scheduler writes it."""

    class Meta:
        model = OutboxMessage

    entry = factory.SubFactory(EntryFactory)
    campaign_step = factory.SubFactory(StepFactory, campaign=factory.SelfAttribute("..entry.campaign"))
    member = factory.SelfAttribute("entry.member")
    channel = factory.SelfAttribute("campaign_step.channel")
    dedupe_key = factory.Sequence(lambda n: f"step:test:{n}")
    purpose = Purpose.MARKETING
    due_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda m: m.due_at + dt.timedelta(days=7))


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"Hook {n}")
    url = "https://hooks.example.com/loyalty"
    events = ["tier.changed", "coupon.issued", "points.earned", "stage.changed", "segment.entered"]
