"""Staff open a journey's diagram and a split's results in the admin, in Russian, with the figures of the selectors."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ..models import NodeKind
from .test_results import ab_journey, people

pytestmark = pytest.mark.django_db


def test_the_diagram_page_draws_the_journey_with_its_counts(admin_client):
    # given an A/B journey that 12 members passed
    journey, split, _nodes, _variants = ab_journey(people(12, "p"), [], start=timezone.now() - dt.timedelta(hours=1))
    # when staff open the journey and follow its diagram link
    change = admin_client.get(reverse("admin:journeys_journey_change", args=[journey.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    diagram_url = reverse("admin:journeys_journey_diagram", args=[journey.pk])
    assert diagram_url in change.content.decode()
    page = admin_client.get(diagram_url, HTTP_ACCEPT_LANGUAGE="ru")
    # then the chart's data, the per-node table and the link to the split's results are there, in Russian
    html = page.content.decode()
    assert page.status_code == 200
    assert "Схема сценария" in html and "Прошли" in html and 'id="journey-diagram-data"' in html
    assert "dashboards/echarts.min.js" in html and "journeys/diagram.js" in html
    assert page.context["chart"]["nodes"][0]["reached"] == 12
    assert reverse("admin:journeys_journeynode_results", args=[split.pk]) in html


def test_the_results_page_shows_each_variant_and_the_holdout(admin_client):
    journey, split, _nodes, _variants = ab_journey(people(10, "r"), people(3, "rh"),
                                                   start=timezone.now() - dt.timedelta(days=5))
    node_page = admin_client.get(reverse("admin:journeys_journeynode_change", args=[split.pk]),
                                 HTTP_ACCEPT_LANGUAGE="ru")
    results_url = reverse("admin:journeys_journeynode_results", args=[split.pk])
    assert results_url in node_page.content.decode()
    page = admin_client.get(results_url, HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Вероятность быть лучшим" in html and "Контрольная группа (без сообщений)" in html
    assert "Фиксированный сплит" in html and "выполненный заказ" in html
    assert [row["members"] for row in page.context["rows"]] == [v.statistics.members
                                                                for v in page.context["results"].variants]
    assert sum(row["members"] for row in page.context["rows"]) == 10 and page.context["holdout"]["members"] == 3


def test_only_a_split_has_results(admin_client):
    journey, _split, (letter_a, _b, _end), _variants = ab_journey([], [], start=timezone.now())
    assert letter_a.kind == NodeKind.ACTION
    assert admin_client.get(reverse("admin:journeys_journeynode_results", args=[letter_a.pk])).status_code == 404
