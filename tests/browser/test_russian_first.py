"""Russian first, in a real browser: the portal at a phone's width (375 px) keeps the birth date when the profile
is saved in Russian, shows the points history without sideways scrolling and asks before spending points; the
admin at a laptop's width (1,366 px) names every model in Russian. Screenshots go to test-artifacts/."""
import datetime as dt
import re

import pytest
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import override

from customers.tests.factories import AttributeDefinitionFactory
from loyalty import services as loyalty_services
from loyalty.models import Coupon, MemberAccount
from loyalty.tests.factories import CouponTemplateFactory, RewardFactory, TierFactory
from portal.tests.factories import PASSWORD, MemberWithUserFactory

from .layout import fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUR_APPS = {"core", "customers", "loyalty", "lifecycle", "segments", "analytics", "campaigns", "dashboards", "portal",
            "messaging", "monitoring"}


@pytest.fixture
def member():
    member = MemberWithUserFactory(first_name="Анна", email="anna@example.com", birth_date=dt.date(1978, 7, 23))
    gold = TierFactory(slug="gold", name="Золото", rank=1, perks="Бесплатная доставка",
                       translations={"en": {"name": "Gold", "perks": "Free delivery"}})
    loyalty_services.points_award_bonus(member=member, points=800, reason="Приветственный бонус", cause_key="welcome")
    MemberAccount.objects.filter(member=member).update(tier=gold)
    return member


def sign_in(page, member):
    page.goto("/sign-in/")
    page.locator("#id_login").fill(member.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_at_phone_width_the_profile_keeps_the_birth_date_and_reads_in_russian(page_factory, member, artifacts):
    AttributeDefinitionFactory(key="pets", label="Какие у вас питомцы?", type="choice", choices=["cat", "dog"],
                               multiple=True, translations={"ru": {"options": {"cat": "Кошка", "dog": "Собака"}}})
    page = page_factory(width=375, height=740)
    sign_in(page, member)
    # when the member opens the profile in Russian, changes the first name and saves
    page.get_by_role("link", name="Профиль").click()
    assert page.locator("#id_birth_date").input_value() == "1978-07-23"
    assert page.get_by_text("Какие у вас питомцы?").is_visible() and page.get_by_label("Кошка").is_visible()
    page.locator("#id_first_name").fill("Аня")
    page.get_by_role("button", name="Сохранить данные").click()
    # then it is saved and the birth date is still there, in the form and in the database
    assert "Сохранено." in page.locator(".messages").inner_text()
    assert page.locator("#id_birth_date").input_value() == "1978-07-23"
    member.refresh_from_db()
    assert (member.first_name, member.birth_date) == ("Аня", dt.date(1978, 7, 23))
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "profile-phone.png"), full_page=True)


def test_at_phone_width_the_points_history_does_not_scroll_sideways(page_factory, member, artifacts):
    # given entries with long reasons and an unbroken order number, and every kind in the filter
    for n in range(12):
        loyalty_services.points_award_bonus(
            member=member, points=10 + n, cause_key=f"long-{n}",
            reason=f"Компенсация по обращению в службу поддержки WEB-2026-{n:020d}-ВОЗВРАТ-ДОСТАВКИ")
    page = page_factory(width=375, height=740)
    sign_in(page, member)
    # when the member opens the history and filters it
    page.get_by_role("link", name="История баллов").click()
    assert page.locator("table.entries tbody tr").count() >= 12
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "history-phone.png"), full_page=True)
    page.get_by_label("Показать").select_option("bonus")
    page.locator("form.inline button").click()
    page.wait_for_url(re.compile(r"kind=bonus"))
    # then nothing sticks out sideways, filtered or not
    assert fits_the_width(page)


def test_at_phone_width_spending_points_asks_first(page_factory, member, artifacts):
    template = CouponTemplateFactory(name="Скидка 300 ₽", translations={"en": {"name": "300 ₽ off"}})
    reward = RewardFactory(name="Сертификат на кофе", points_cost=300, template=template,
                           translations={"en": {"name": "Coffee voucher"}})
    page = page_factory(width=375, height=740)
    sign_in(page, member)
    page.get_by_role("link", name="Награды").click()
    page.get_by_role("link", name="Получить «Сертификат на кофе»").click()
    # the confirmation says what it costs and what is left; nothing is spent yet
    assert page.get_by_test_id("cost").inner_text() == "300 баллов"
    assert page.get_by_test_id("left").inner_text() == "500 баллов"
    assert not Coupon.objects.exists() and fits_the_width(page)
    page.screenshot(path=str(artifacts / "reward-confirm-phone.png"), full_page=True)
    # cancelling spends nothing; confirming issues the coupon, named in Russian
    page.get_by_role("link", name="Отмена").click()
    assert not Coupon.objects.exists()
    page.get_by_role("link", name="Получить «Сертификат на кофе»").click()
    page.get_by_role("button", name="Да, потратить баллы").click()
    page.wait_for_url(re.compile(r"/coupons/$"))
    assert "Скидка 300 ₽" in page.locator("main").inner_text()
    assert MemberAccount.objects.get(member=member).available_points == 500
    assert reward.pk and Coupon.objects.get().member == member


def test_the_russian_admin_names_every_model_in_russian(page_factory, admin_user, artifacts):
    page = page_factory(width=1366, height=900)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    # the index lists the apps and models by their Russian names
    apps = [text.strip() for text in page.locator("#content-main caption").all_text_contents()]
    models = [text.strip() for text in page.locator("#content-main th[scope=row]").all_text_contents()]
    assert {"Программа лояльности", "Клиенты", "Кампании", "Жизненный цикл", "Сегменты"} <= set(apps)
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        with override("en"):
            english = capfirst(str(model._meta.verbose_name_plural))
        with override("ru"):
            russian = capfirst(str(model._meta.verbose_name_plural))
        assert russian in models, russian
        assert english == russian or english not in models, english
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "admin-index-ru.png"), full_page=True)
    # and an add page speaks Russian too: "Добавление: правило начисления", not "Add earning rule"
    page.goto("/admin/loyalty/earningrule/add/")
    assert "Добавление: правило начисления" in page.locator("h1").inner_text()
    assert page.locator("label[for=id_points_per_unit]").inner_text().startswith("Баллов за единицу валюты")
    assert page.locator("#id_kind option").all_inner_texts()[1:3] == [
        "Базовая ставка (баллов за единицу валюты)", "Бонус за категорию (дополнительный множитель)"]
    page.screenshot(path=str(artifacts / "admin-add-rule-ru.png"), full_page=True)
