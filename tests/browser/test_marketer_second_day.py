"""The marketer's day once more (issue #16's remaining gaps), in Russian at a laptop's 1,366 × 768: campaign
results in Russian with money written once, the RFM grid's colours, a "bought product" condition on one line,
the stages list without sideways scrolling, the admin filter's heading. Screenshots go to test-artifacts/."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory, EntryFactory
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory, OrderLineFactory, ProductFactory
from segments.stats import member_stats_refresh

from .layout import fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page_factory, user, **size):
    page = page_factory(width=1366, height=768, **size)
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    return page


def test_campaign_results_speak_russian_with_money_once(page_factory, admin_user, artifacts):
    # given a campaign: two of four treated members bought for 3 000 ₽ each, one of three in the control group
    campaign = CampaignFactory(conversion_window_days=7, name="Возврат")
    trigger = timezone.now() - dt.timedelta(days=20)
    for i, holdout in enumerate([False, False, False, False, True, True, True]):
        entry = EntryFactory(campaign=campaign, triggered_at=trigger, is_holdout=holdout)
        if i in (0, 1, 4):
            OrderFactory(member=entry.member, created_at=trigger + dt.timedelta(days=1), total=Decimal("3000"),
                         status="completed")
    page = signed_in(page_factory, admin_user)
    # when the marketer opens its results
    page.goto(f"/admin/campaigns/campaign/{campaign.pk}/results/")
    page.screenshot(path=str(artifacts / "campaign-results.png"), full_page=True)
    # then the page is in Russian, the revenue is written once with its currency, and the interval is drawn
    text = page.inner_text("#content").replace("\u00a0", " ")
    assert "Воронка" in text and "Прирост конверсии" in text and "Funnel" not in text
    assert "6 000,00 ₽" in page.inner_text("[data-testid=results-groups]").replace("\u00a0", " ")
    assert "₽ ₽" not in text
    assert page.locator(".ci .range").bounding_box()["width"] > 10
    assert fits_the_width(page)


def test_rfm_grid_cells_are_coloured_and_in_russian(page_factory, admin_user, artifacts):
    # given members with orders, scored
    for days in (3, 40, 200):
        OrderFactory(member=MemberFactory(), created_at=timezone.now() - dt.timedelta(days=days), status="completed")
    member_stats_refresh()
    page = signed_in(page_factory, admin_user)
    # when the marketer opens the RFM grid
    page.goto("/admin/segments/memberstats/rfm-grid/")
    page.screenshot(path=str(artifacts / "rfm-grid.png"), full_page=True)
    # then the cells holding members are coloured (the heat is not written with a decimal comma into CSS)
    colours = page.eval_on_selector_all("table.rfm-grid td", "cells => cells.map(c => getComputedStyle(c).backgroundColor)")
    assert any(colour not in ("rgba(0, 0, 0, 0)", "transparent") for colour in colours)
    assert "Давность (R, строки)" in page.inner_text("#content")
    assert "members" not in page.inner_text("table.rfm-grid")


def test_a_bought_product_condition_stays_on_one_line(page_factory, admin_user, artifacts):
    # given a product with a long name that someone bought
    product = ProductFactory(sku="SKU-LONG-1", name="Корм для собак крупных пород, 15 кг, с ягнёнком и рисом")
    OrderLineFactory(order=OrderFactory(member=MemberFactory(), status="completed"), product=product)
    page = signed_in(page_factory, admin_user)
    page.goto("/admin/segments/segment/add/")
    # when the marketer adds "bought a product" and picks it by typing part of its name
    page.get_by_role("button", name="+ условие").click()
    row = page.locator(".rb-row").last
    row.get_by_label("Условие", exact=True).select_option(label="Покупал товар")
    row.get_by_label("Товары", exact=True).fill("корм")
    page.get_by_role("option", name="Корм для собак крупных пород, 15 кг, с ягнёнком и рисом (SKU-LONG-1)").click()
    row.locator(".rb-chip").wait_for()
    row.screenshot(path=str(artifacts / "segment-builder-bought-product-row.png"))
    # then every part of the condition sits on one line, and the chip names the whole product in its title
    tops = row.locator(".rb-leaf > *:not(.rb-remove)").evaluate_all(
        "nodes => nodes.map(n => Math.round(n.getBoundingClientRect().top))")
    assert max(tops) - min(tops) < 12, tops
    assert "с ягнёнком" in row.locator(".rb-chip").get_attribute("title")
    assert fits_the_width(page)


def test_the_stages_list_fits_and_the_filter_is_headed_filter(page_factory, admin_user, artifacts):
    page = signed_in(page_factory, admin_user)
    # when the marketer opens the stages, then the page does not scroll sideways
    page.goto("/admin/lifecycle/lifecyclestage/")
    page.screenshot(path=str(artifacts / "lifecycle-stages-list.png"), full_page=True)
    assert fits_the_width(page)
    assert page.locator(".stage-counts").is_visible()
    # and a list's filter is headed "Фильтр" (the portal's "Применить" button had taken the word)
    page.goto("/admin/customers/member/")
    page.locator("#changelist-filter").screenshot(path=str(artifacts / "changelist-filter.png"))
    assert page.inner_text("#changelist-filter-header").strip().lower() == "фильтр"


def test_seeded_stage_and_rfm_names_read_in_the_admins_language(page_factory, admin_user, artifacts):
    # given the seeded stages and RFM map (Russian in their columns, English in their translations; brought
    # back here when an earlier transactional test flushed them)
    from lifecycle.models import LifecycleStage
    from segments.models import RfmSegmentRule

    for slug, name, english, position, day in [("new", "Новые", "New", 1, 10), ("at_risk", "Под угрозой", "At risk", 6, 56),
                                               ("lost", "Потерянные", "Lost", 7, 113)]:
        LifecycleStage.objects.get_or_create(slug=slug, defaults={
            "name": name, "translations": {"en": {"name": english}}, "position": position, "entry_day": day,
            "min_orders": 1 if slug == "new" else 3, "max_orders": 1 if slug == "new" else None})
    RfmSegmentRule.objects.get_or_create(name="Чемпионы", defaults={
        "r_min": 5, "r_max": 5, "f_min": 4, "f_max": 5, "translations": {"en": {"name": "Champions"}}})
    page = signed_in(page_factory, admin_user)
    # when the marketer reads the stages, the lifecycle dashboard and the builder's RFM picker in Russian
    page.goto("/admin/lifecycle/lifecyclestage/")
    assert page.get_by_role("link", name="Под угрозой", exact=True).is_visible()
    page.goto("/admin/dashboards/lifecycle/")
    page.wait_for_selector("[data-chart] canvas")
    page.screenshot(path=str(artifacts / "dashboard-lifecycle-russian-stages.png"), full_page=True)
    colours = page.evaluate("() => JSON.parse(document.getElementById('dashboard-meta').textContent).stage_colours")
    assert {"Новые", "Под угрозой", "Потерянные"} <= set(colours)
    page.goto("/admin/segments/segment/add/")
    page.get_by_role("button", name="+ условие").click()
    row = page.locator(".rb-row").last
    row.get_by_label("Условие", exact=True).select_option(label="RFM-сегмент")
    row.screenshot(path=str(artifacts / "segment-builder-rfm-names.png"))
    # then the names are Russian, and the picked value is the stored name
    row.get_by_label("Чемпионы").check()
    assert "Champions" not in row.inner_text()
    assert '"Чемпионы"' in page.locator("#id_rules").input_value()

    # and an English-speaking colleague reads the same stages in English
    english = signed_in(page_factory, admin_user, locale="en-US")
    english.goto("/admin/lifecycle/lifecyclestage/")
    english.screenshot(path=str(artifacts / "lifecycle-stages-english.png"), full_page=True)
    assert english.get_by_role("link", name="At risk", exact=True).is_visible()


def test_a_saved_segments_size_over_time_is_a_chart(page_factory, admin_user, artifacts):
    # given a segment refreshed twice as buyers came
    from segments.models import Segment
    from segments.services import segment_refresh

    segment = Segment.objects.create(slug="buyers", name="Покупатели", rules={
        "type": "group", "op": "and", "children": [{"type": "stat", "field": "orders_count", "op": "gte", "value": 1}]})
    OrderFactory(member=MemberFactory(), status="completed")
    member_stats_refresh()
    segment_refresh(segment=segment)
    OrderFactory(member=MemberFactory(), status="completed")
    member_stats_refresh()
    segment_refresh(segment=segment)
    page = signed_in(page_factory, admin_user)
    # when the marketer opens it
    page.goto(f"/admin/segments/segment/{segment.pk}/change/")
    page.wait_for_selector("#segment-size-chart canvas")
    page.locator("#segment-size-chart").screenshot(path=str(artifacts / "segment-size-over-time.png"))
    # then its size is drawn as a chart, not a table
    assert page.locator("#segment-size-chart canvas").count() == 1
    data = page.evaluate("() => JSON.parse(document.getElementById('segment-size-data').textContent)")
    assert data["series"]["Участники"][-1] == 2 and len(data["times"]) == 2
