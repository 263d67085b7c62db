"""A marketer's first day at a laptop's width (1,366 px), in one walk: set up an At-risk campaign limited to
a segment, with a step form that shows only the chosen action's sections; preview its audience and dry-run
its planning; open a member's 360 page and the manager tasks; read every dashboard in Russian with no
sideways scrolling. Screenshots go to test-artifacts/ to be looked at."""
import pytest

from campaigns.models import Campaign, ManagerTask
from campaigns.selectors import campaign_audience_preview
from core.timezones import shop_today
from customers.models import Member
from dashboards.tests.conftest import demo_shop_create
from lifecycle.models import LifecycleStage, StageTransition
from segments.models import Segment

from .layout import fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANGE = "?start=2025-07-01&end=2026-06-30"


def sign_in(page, user):
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")


def test_a_marketers_first_day(page_factory, admin_user, artifacts):
    # given the demo shop (stages, a "Buyers" segment, two years of orders) and a marketer signed in
    demo_shop_create()
    at_risk, buyers = LifecycleStage.objects.get(slug="at_risk"), Segment.objects.get(slug="buyers")
    # and five buyers who slipped into At risk today
    StageTransition.objects.bulk_create(
        StageTransition(member_id=member_id, to_stage=at_risk, occurred_on=shop_today(), completed_orders=3)
        for member_id in buyers.memberships.order_by("member_id").values_list("member_id", flat=True)[:5])
    page = page_factory(width=1366, height=900)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, admin_user)
    # the admin's front page: the brand header with the main places, the dashboards link first
    page.goto("/admin/")
    assert page.locator(".brand-nav").get_by_role("link", name="Дашборды").is_visible()
    page.screenshot(path=str(artifacts / "admin-index.png"), full_page=True)
    assert fits_the_width(page)
    page.goto("/admin/customers/member/")
    page.screenshot(path=str(artifacts / "admin-members.png"))
    assert fits_the_width(page)

    # when they set up an At-risk campaign limited to the segment, with a manager-task step
    page.goto("/admin/campaigns/campaign/add/")
    page.fill("#id_name", "Возврат: под угрозой")
    page.select_option("#id_trigger", "stage_entered")
    page.select_option("#id_stage", str(at_risk.pk))
    page.select_option("#id_segment", str(buyers.pk))
    page.fill("#id_priority", "5")
    page.locator(".add-row a").click()
    page.select_option("#id_steps-0-action", "manager_task")
    # then the step shows the manager task's section and hides the message's
    step = page.locator("#steps-0")
    assert step.locator("fieldset.step-for-manager_task").is_visible()
    assert not step.locator("fieldset.step-for-message").first.is_visible()
    page.fill("#id_steps-0-task_text", "Позвонить и предложить купон")
    page.screenshot(path=str(artifacts / "campaign-step-form.png"), full_page=True)
    page.locator("input[name=_continue]").click()
    assert not errors, errors
    campaign = Campaign.objects.get(name="Возврат: под угрозой")
    assert (campaign.stage_id, campaign.segment_id, campaign.steps.get().action) == (at_risk.pk, buyers.pk, "manager_task")

    # and preview its audience from the campaign page, then dry-run its planning
    page.locator("a.campaign-audience-link").click()
    expected = campaign_audience_preview(campaign=campaign).members
    assert expected > 0
    assert page.inner_text("[data-testid=audience-members]").replace("\u00a0", "").replace(" ", "") == str(expected)
    page.get_by_role("button", name="Пробный запуск планирования").click()
    page.wait_for_selector("[data-testid=dry-run]")
    assert page.inner_text("[data-testid=dry-run-entered]") == "5"
    page.screenshot(path=str(artifacts / "campaign-audience.png"), full_page=True)
    assert fits_the_width(page)
    assert not campaign.entries.exists()

    # and open a member's 360 page and the manager tasks
    member = Member.objects.filter(orders__isnull=False).order_by("pk").first()
    ManagerTask.objects.create(member=member, campaign=campaign, title="Позвонить и предложить купон",
                               due_on=shop_today())
    page.goto(f"/admin/customers/member/{member.pk}/360/")
    assert page.locator("#m360-profile").is_visible()
    page.screenshot(path=str(artifacts / "walkthrough-member360.png"), full_page=True)
    assert fits_the_width(page)
    page.goto("/admin/lifecycle/lifecyclestage/transitions/")
    page.wait_for_selector("#transitions-chart canvas")
    page.screenshot(path=str(artifacts / "stage-transitions.png"), full_page=True)
    assert fits_the_width(page)
    page.goto("/admin/campaigns/managertask/")
    page.get_by_role("link", name=str(member)).first.wait_for()
    page.screenshot(path=str(artifacts / "manager-tasks.png"), full_page=True)
    assert fits_the_width(page)
    # every column of the task list fits, the status picker too (no scrolling inside the table)
    assert page.evaluate("() => { const r = document.querySelector('#changelist .results');"
                         " return r.scrollWidth <= r.clientWidth; }")

    for slug in ["lifecycle", "members", "clv", "points", "campaigns", "delivery"]:
        # and read each dashboard
        page.goto(f"/admin/dashboards/{slug}/{RANGE}")
        page.wait_for_selector("[data-chart] canvas")
        page.screenshot(path=str(artifacts / f"dashboard-{slug}.png"), full_page=True)
        # then every chart is drawn, nothing scrolls sideways and the page speaks Russian
        assert page.locator("[data-chart]:not(:has(canvas))").count() == 0
        assert fits_the_width(page), slug
        assert "Скачать CSV" in page.inner_text("#content")
    assert not errors, errors
