"""A journey's diagram and a split's A/B results in a browser, as staff see them (screenshots in test-artifacts/)."""
import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Campaign, OutboxMessage
from customers.models import EngagementEvent
from journeys.models import JourneyVisit, NodeKind
from journeys.services.engine import journey_advance
from journeys.tests.factories import action, enter, journey_create, node, variant, wire
from journeys.tests.test_results import order, people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def abandoned_cart_journey():
    """split A/B → letter A / letter B → a day's wait → opened? → the end / a reminder → the end, run for 60
    members two days ago: the openers of each letter end, the others get the reminder; some of each variant buy."""
    journey = journey_create(conversion_window_days=3)
    Campaign.objects.filter(pk=journey.campaign_id).update(holdout_percent=10)
    journey.campaign.refresh_from_db()
    split = node(journey, 0, NodeKind.SPLIT, name="A/B: какое письмо")
    letter_a = action(journey, 1, "Вы кое-что оставили", name="Письмо A: «оставили в корзине»")
    letter_b = action(journey, 2, "Товары могут закончиться", name="Письмо B: «могут закончиться»")
    wait = node(journey, 3, NodeKind.WAIT, wait_seconds=86400, name="Ждём сутки")
    opened = node(journey, 4, NodeKind.BRANCH, condition="opened", name="Открыл письмо?")
    reminder = action(journey, 5, "Напоминаем о корзине", name="Напоминание")
    end = node(journey, 6, NodeKind.EXIT, name="Конец")
    variant(split, "A", letter_a), variant(split, "B", letter_b)
    wire(letter_a, wait), wire(letter_b, wait), wire(wait, opened), wire(opened, end, reminder), wire(reminder, end)
    start = timezone.now() - dt.timedelta(days=2)
    members = people(60, "b")
    enter(journey, members, triggered_at=start)
    enter(journey, people(7, "bh"), triggered_at=start, is_holdout=True)
    journey_advance(journey_id=journey.pk, now=start)
    on_b = set(JourneyVisit.objects.filter(node=letter_b).values_list("journey_member__member_id", flat=True))
    for i, member in enumerate(members):
        if i % 3 == 0:
            sent = OutboxMessage.objects.get(member=member, campaign_step__in=[letter_a.step, letter_b.step])
            EngagementEvent.objects.create(member=member, channel="email", kind="open", message_ref=f"outbox-{sent.pk}",
                                           occurred_at=start + dt.timedelta(hours=1))
        if i % (4 if member.pk in on_b else 9) == 1:
            order(member, start + dt.timedelta(days=1, hours=3), "2500", 1)
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(days=1, minutes=1))
    journey_advance(journey_id=journey.pk, now=start + dt.timedelta(days=1, minutes=2))
    return journey, split


def staff_sign_in(page, user):
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")


def test_staff_see_the_journey_diagram_and_the_split_results(page_factory, admin_user, artifacts):
    journey, split = abandoned_cart_journey()
    page = page_factory(width=1440, height=900)
    staff_sign_in(page, admin_user)
    # when staff open the journey's diagram
    page.goto(f"/admin/journeys/journey/{journey.pk}/diagram/")
    # then ECharts draws it, and the table lists every node with who passed it
    page.wait_for_selector("#journey-diagram canvas")
    assert page.locator("#journey-nodes tbody tr").count() == 7
    assert "Схема сценария" in page.content()
    page.screenshot(path=str(artifacts / "journey_diagram.png"), full_page=True)
    # when they follow the split's results link
    page.click(f"#journey-splits a[href='/admin/journeys/journeynode/{split.pk}/results/']")
    # then each variant and the holdout have a row, with the probability of being best
    page.wait_for_selector("#split-results")
    rows = page.locator("#split-results tbody tr")
    assert rows.count() == 3
    assert "Контрольная группа" in rows.nth(2).inner_text()
    assert "Вероятность быть лучшим" in page.locator("#split-results thead").text_content()
    page.screenshot(path=str(artifacts / "split_results.png"), full_page=True)


def test_the_journey_form_fits_1366_px_and_takes_waits_in_days(page_factory, admin_user, artifacts):
    journey, _split = abandoned_cart_journey()
    page = page_factory(width=1366, height=900)
    staff_sign_in(page, admin_user)
    # when staff open the journey's page with its seven nodes
    page.goto(f"/admin/journeys/journey/{journey.pk}/change/")
    page.screenshot(path=str(artifacts / "journey_form_1366.png"), full_page=True)
    # then nothing sticks out sideways (thirteen columns of nodes ran 2,900 px wide)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # and the day's wait reads as 1 day, not 86400 seconds
    wait = page.locator("input[name$='-wait_seconds_0'][value='1']")
    assert wait.count() == 1
    unit = wait.locator("xpath=following-sibling::select[1]")
    assert unit.input_value() == "86400"
