"""Dashboard charts fill their boxes: ECharts measures its box once, at init, and a chart set up before the
admin's sidebar and styles settled kept about half the row (static/dashboards/chart_size.js redraws it)."""
import pytest

from customers.tests.factories import MemberFactory
from loyalty import services as loyalty_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each chart's canvas against its box, once the page has loaded.
WIDTHS = """() => [...document.querySelectorAll("[data-chart]")].map(box => {
  const canvas = box.querySelector("canvas");
  return [box.dataset.chart, box.clientWidth, canvas ? canvas.clientWidth : 0];
})"""


def test_at_1366_px_every_points_chart_is_as_wide_as_its_box(page_factory, admin_user, artifacts):
    # given points earned this month, so the points page has charts to draw
    for n in range(3):
        loyalty_services.points_award_bonus(member=MemberFactory(), points=500, reason="Бонус", cause_key=f"b{n}")
    page = page_factory(width=1366, height=900)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    # when a marketer opens the points dashboard on a laptop
    page.goto("/admin/dashboards/points/")
    page.wait_for_selector("[data-chart] canvas")
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.readyState === 'complete'")
    page.screenshot(path=str(artifacts / "dashboard-points-viewport.png"))
    # then each chart's canvas spans its box (before: 632 of 1,011 px)
    widths = page.evaluate(WIDTHS)
    assert widths and all(box > 600 and abs(box - canvas) <= 2 for _chart, box, canvas in widths), widths
