"""The Message delivery dashboard in a browser: ECharts draws each channel's days, and the rate warning shows."""
import datetime as dt

import pytest

from core.timezones import shop_today
from dashboards.tests.test_delivery import report, sent_messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_see_delivery_per_channel_and_day_with_the_bounce_warning(page_factory, admin_user, artifacts, settings):
    # given a week of email and SMS sends with their reports, and bounces above the threshold today
    settings.DELIVERY_WARNING_MIN_SENT = 20
    today = shop_today()
    for back in range(7):
        day = today - dt.timedelta(days=back)
        emails, _ = sent_messages(30 + 3 * back, day=day)
        report(emails[: 25 + back], "delivered", day=day)
        report(emails[: 8 + back], "open", day=day)
        report(emails[:3], "click", day=day)
        texts, _ = sent_messages(12, channel="sms", day=day)
        report(texts[:11], "delivered", day=day)
    report(emails[-10:], "bounce", day=today)  # 10 of the week's 273 emails: 3.7 %
    page = page_factory(width=1366, height=900)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    # when staff open the delivery dashboard for the week
    start = (today - dt.timedelta(days=6)).isoformat()
    page.goto(f"/admin/dashboards/delivery/?start={start}&end={today.isoformat()}")
    # then the bounce warning heads it and each channel with sends has its chart drawn
    assert "Доля отказов (bounce) канала email" in page.locator("#delivery-warnings").inner_text()
    for chart in ["delivery-channels", "delivery-email", "delivery-sms"]:
        page.wait_for_selector(f"#chart-{chart} canvas")
    assert page.locator("#chart-delivery-push .empty").is_visible()
    page.screenshot(path=str(artifacts / "delivery_dashboard.png"), full_page=True)
