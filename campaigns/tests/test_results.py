import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import OutboxMessage
from campaigns.results import GroupResult, campaign_results, uplift_between
from customers.models import EngagementEvent
from loyalty.tests.factories import OrderFactory

from .factories import CampaignFactory, CampaignMessageFactory, EntryFactory

pytestmark = pytest.mark.django_db
TRIGGER = timezone.now() - dt.timedelta(days=20)


def entry(campaign, *, holdout=False, orders=()):
    e = EntryFactory(campaign=campaign, triggered_at=TRIGGER, is_holdout=holdout)
    for days, total, status in orders:
        OrderFactory(member=e.member, created_at=TRIGGER + dt.timedelta(days=days), total=Decimal(total), status=status)
    return e


def test_conversions_are_completed_purchases_within_the_window_for_both_groups():
    # given a 7-day conversion window
    campaign = CampaignFactory(conversion_window_days=7)
    entry(campaign, orders=[(3, "1000", "completed"), (5, "200", "completed")])  # converts, 1200
    entry(campaign, orders=[(9, "700", "completed")])  # after the window
    entry(campaign, orders=[(-1, "300", "completed")])  # before the trigger
    entry(campaign, orders=[(2, "900", "cancelled")])  # not completed
    entry(campaign, holdout=True, orders=[(7, "500", "completed")])  # last day of the window counts
    entry(campaign, holdout=True)
    # when
    results = campaign_results(campaign=campaign)
    # then
    assert (results.treated.entered, results.treated.converted, results.treated.revenue) == (4, 1, 1200.0)
    assert (results.holdout.entered, results.holdout.converted, results.holdout.revenue) == (2, 1, 500.0)
    assert results.uplift.absolute == pytest.approx(0.25 - 0.5)


def test_funnel_counts_sent_delivered_opened_and_clicked_messages():
    campaign = CampaignFactory()
    messages = [CampaignMessageFactory(entry=entry(campaign)) for _ in range(4)]
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages[:3]]).update(status="delivered")
    OutboxMessage.objects.filter(pk=messages[3].pk).update(status="suppressed")
    for message, kinds in ((messages[0], ["open", "open", "click"]), (messages[1], ["click"])):
        for kind in kinds:
            EngagementEvent.objects.create(member=message.member, channel="email", kind=kind,
                                           occurred_at=timezone.now(), message_ref=f"outbox-{message.pk}")
    funnel = dict(campaign_results(campaign=campaign).funnel)
    assert funnel == {"Entered (treated)": 4, "Messages planned": 4, "Sent": 3, "Delivered": 3, "Opened": 2,
                      "Clicked": 2, "Converted (treated)": 0}


def test_uplift_confidence_interval_is_the_normal_approximation_of_the_rate_difference():
    treated, holdout = GroupResult(1000, 120, 120_000.0), GroupResult(200, 16, 12_000.0)
    uplift = uplift_between(treated, holdout)
    se = math.sqrt(0.12 * 0.88 / 1000 + 0.08 * 0.92 / 200)
    assert uplift.absolute == pytest.approx(0.04)
    assert (uplift.low, uplift.high) == (pytest.approx(0.04 - 1.959964 * se), pytest.approx(0.04 + 1.959964 * se))
    assert uplift.incremental_revenue == pytest.approx((120 - 60) * 1000)
    assert not uplift.significant  # 0.04 ± 0.045 includes zero
    assert uplift_between(treated, GroupResult()) is None


def test_results_page_shows_funnel_and_uplift(admin_client):
    campaign = CampaignFactory(conversion_window_days=7)
    entry(campaign, orders=[(1, "1000", "completed")])
    entry(campaign, holdout=True)
    response = admin_client.get(f"/admin/campaigns/campaign/{campaign.pk}/results/")
    page = response.content.decode()
    assert response.status_code == 200
    # then the page speaks Russian, with the decimal comma and money written once with its currency
    assert "Воронка" in page and "Вошли (получившие)" in page and "Funnel" not in page
    assert "Прирост конверсии: <strong>100,00 п. п.</strong>" in page
    assert "<td class=\"num\">1\xa0000,00\xa0₽</td>" in page  # the treated group's revenue
    assert "₽ ₽" not in page.replace("\xa0", " ")
    changelist = admin_client.get("/admin/campaigns/campaign/").content.decode()
    assert f"/admin/campaigns/campaign/{campaign.pk}/results/" in changelist
