"""A marketer edits a journey in the admin (Russian): nodes inline, edges chosen among the journey's nodes, and a
save that would make a cycle without a wait is refused with the reason."""
import pytest
from django.urls import reverse

from ..models import JourneyNode, NodeKind
from .factories import action, journey_create, node, wire

pytestmark = pytest.mark.django_db


def inline_data(journey, nodes):
    data = {"campaign": journey.campaign_id, "conversion_event_type": "",
            "nodes-TOTAL_FORMS": str(len(nodes)), "nodes-INITIAL_FORMS": str(len(nodes)),
            "nodes-MIN_NUM_FORMS": "0", "nodes-MAX_NUM_FORMS": "1000"}
    for i, n in enumerate(nodes):
        for name in ["position", "name", "kind", "condition", "split_mode"]:
            data[f"nodes-{i}-{name}"] = getattr(n, name)
        data[f"nodes-{i}-wait_seconds_0"], data[f"nodes-{i}-wait_seconds_1"] = n.wait_seconds, 1  # amount, unit
        for name in ["step", "wait_event_type", "condition_segment", "condition_event_type", "condition_node", "next",
                     "next_no"]:
            data[f"nodes-{i}-{name}"] = getattr(n, f"{name}_id") or ""
        data[f"nodes-{i}-id"] = n.pk
        data[f"nodes-{i}-journey"] = journey.pk
    return data


def test_the_journey_page_renders_in_russian_with_its_nodes(admin_client):
    journey = journey_create()
    first = action(journey, 0, "Первое", name="Письмо A")
    wire(first, node(journey, 1, NodeKind.EXIT, name="Конец"))
    page = admin_client.get(reverse("admin:journeys_journey_change", args=[journey.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Письмо A" in html and "Узлы сценария" in html and "Ошибок не найдено." in html


def test_a_save_that_makes_a_cycle_without_a_wait_is_refused(admin_client):
    # given branch → message → (back to) nothing yet
    journey = journey_create()
    branch = node(journey, 0, NodeKind.BRANCH, condition="purchased", name="Купил?")
    first = action(journey, 1, "Первое", name="Письмо")
    wire(branch, None, first)
    # when the marketer points the message back at the branch
    first.next = branch
    response = admin_client.post(reverse("admin:journeys_journey_change", args=[journey.pk]),
                                 inline_data(journey, [branch, first]), HTTP_ACCEPT_LANGUAGE="ru")
    # then the save is refused with the reason, in Russian, and nothing changed
    assert response.status_code == 200
    assert "Цикл без ожидания: Купил? → Письмо → Купил?." in response.content.decode()
    assert JourneyNode.objects.get(pk=first.pk).next_id is None


def test_a_valid_save_goes_through(admin_client):
    journey = journey_create()
    first = action(journey, 0, "Первое", name="Письмо")
    done = node(journey, 1, NodeKind.EXIT, name="Конец")
    first.next = done
    response = admin_client.post(reverse("admin:journeys_journey_change", args=[journey.pk]),
                                 inline_data(journey, [first, done]))
    assert response.status_code == 302
    assert JourneyNode.objects.get(pk=first.pk).next_id == done.pk


def test_a_journey_steps_form_says_which_wait_it_follows_instead_of_a_day(admin_client):
    # given a journey: wait a day → reminder, and the reminder's campaign step
    journey = journey_create()
    wait = node(journey, 0, NodeKind.WAIT, wait_seconds=86400, name="Ждём сутки")
    reminder = action(journey, 1, "Напоминание", name="Письмо-напоминание")
    wire(wait, reminder)
    # when the campaign's page is opened
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[journey.campaign_id])).content.decode()
    # then the step shows the node and the wait it follows, and no day to edit
    assert "«Письмо-напоминание»" in page and "«Ждём сутки»" in page
    assert 'name="steps-0-day_offset"' not in page


def test_a_wait_is_typed_in_days_and_hours_and_stored_in_seconds(admin_client):
    # given a journey: wait → exit, whose wait was stored as 4 hours
    journey = journey_create()
    wait = node(journey, 0, NodeKind.WAIT, wait_seconds=4 * 3600, name="Ждём")
    done = node(journey, 1, NodeKind.EXIT, name="Конец")
    wire(wait, done)
    url = reverse("admin:journeys_journey_change", args=[journey.pk])
    # then the page shows it as 4 hours (the largest unit that divides it), in Russian
    html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'name="nodes-0-wait_seconds_0" value="4"' in html
    assert '<option value="3600" selected>ч</option>' in html
    # when the marketer makes it 2 days
    data = inline_data(journey, [wait, done])
    data["nodes-0-wait_seconds_0"], data["nodes-0-wait_seconds_1"] = "2", "86400"
    response = admin_client.post(url, data)
    # then two days are stored in seconds
    assert response.status_code == 302
    assert JourneyNode.objects.get(pk=wait.pk).wait_seconds == 2 * 86400
