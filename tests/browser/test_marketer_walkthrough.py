"""A marketer's first day at a laptop's width (1,366 px): the dashboards read in Russian with no sideways
scrolling; screenshots go to test-artifacts/ to be looked at."""
import pytest

from dashboards.tests.conftest import demo_shop_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANGE = "?start=2025-07-01&end=2026-06-30"


def sign_in(page, user):
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")


def fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_dashboards_read_in_russian_at_a_laptops_width(page_factory, admin_user, artifacts):
    # given the demo shop
    demo_shop_create()
    page = page_factory(width=1366, height=900)
    sign_in(page, admin_user)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    for slug in ["lifecycle", "members", "clv", "points", "campaigns"]:
        # when the marketer opens each dashboard
        page.goto(f"/admin/dashboards/{slug}/{RANGE}")
        page.wait_for_selector("[data-chart] canvas")
        page.screenshot(path=str(artifacts / f"dashboard-{slug}.png"), full_page=True)
        # then every chart is drawn, nothing scrolls sideways and the page speaks Russian
        assert not errors, errors
        assert page.locator("[data-chart]:not(:has(canvas))").count() == 0
        assert fits_the_width(page), slug
        assert "Скачать CSV" in page.inner_text("#content")
