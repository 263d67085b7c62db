"""Member 360 in a real browser at a laptop's width: every section visible, "Show more" appends the next events."""
import datetime as dt

import pytest

from dashboards.tests.test_member360 import NOW, history, member_with_everything_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_read_a_members_whole_story_and_page_through_it(page_factory, admin_user, artifacts):
    # given a member with data in every section and more events than one page holds
    member_with_everything = member_with_everything_create()
    history(member_with_everything, times=4, start=NOW - dt.timedelta(days=1))
    page = page_factory(width=1366, height=900)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")

    # when staff follow the link from the member's admin page
    page.goto(f"/admin/customers/member/{member_with_everything.pk}/change/")
    page.click("a.member-360-link")

    # then every section shows, in Russian
    for section in ["profile", "account", "clv", "consents", "lifecycle", "segments", "timeline"]:
        assert page.locator(f"#m360-{section}").is_visible(), section
    assert "105\u00a0433,83\u00a0₽" in page.locator("#m360-clv").inner_text()
    page.screenshot(path=str(artifacts / "member360.png"), full_page=True)

    # and "Show more" appends the next events in place
    rows = page.locator("#m360-events tr")
    assert rows.count() == 25
    page.get_by_role("link", name="Показать ещё").click()
    page.wait_for_function("() => document.querySelectorAll('#m360-events tr').length > 25")
    assert rows.count() == 35  # 5 × 7 events: the rest of the timeline, and no link left
    assert page.locator("#m360-more").count() == 0
