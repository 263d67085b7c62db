"""The member portal on a phone at 375 px (the narrowest common width: iPhone SE, 13 mini; issue #16's), page by
page, with the long names and codes real members have: nothing may scroll sideways, and each page leaves a
full-page screenshot in test-artifacts/ to look at."""
import datetime as dt
import re

import pytest
from django.utils import timezone

from campaigns.models import MemberOffer
from customers.tests.factories import AttributeDefinitionFactory
from loyalty import services as loyalty_services
from loyalty.models import MemberAccount
from loyalty.tests.factories import CouponTemplateFactory, RewardFactory, TierFactory
from portal.tests.factories import PASSWORD, MemberWithUserFactory

from .layout import fits_the_width, overflowing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
PAGES = [("dashboard", "/"), ("history", "/history/"), ("coupons", "/coupons/"), ("rewards", "/rewards/"),
         ("offers", "/offers/"), ("profile", "/profile/"), ("referral", "/referral/")]


@pytest.fixture
def member():
    member = MemberWithUserFactory(first_name="Александра-Виктория", last_name="Константинопольская",
                                   email="aleksandra.konstantinopolskaya.viktoria@example-shop.ru",
                                   birth_date=dt.date(1978, 7, 23))
    silver = TierFactory(slug="silver", name="Серебро", rank=1, threshold=5000,
                         perks="Бесплатная доставка от 2 000 ₽\nРанний доступ к распродажам")
    TierFactory(slug="gold", name="Золото", rank=2, threshold=30000)
    MemberAccount.objects.update_or_create(member=member, defaults={"tier": silver})
    for n in range(12):
        loyalty_services.points_award_bonus(
            member=member, points=100 + n, cause_key=f"bonus-{n}",
            reason=f"Компенсация по обращению в службу поддержки WEB-2026-{n:020d}-ВОЗВРАТ-ДОСТАВКИ")
    template = CouponTemplateFactory(name="Скидка 1 500 ₽ на заказ от 7 000 ₽ в интернет-магазине и приложении",
                                     discount_value=1500, min_order_total=7000)
    coupon = loyalty_services.coupon_issue(template=template, member=member, source="staff", cause_key="c1")
    MemberOffer.objects.create(member=member, title="Возвращайтесь: персональная скидка на любимую категорию товаров",
                               body="Только для вас до конца месяца.\nПокажите код на кассе или введите его в корзине.",
                               coupon=coupon, valid_until=timezone.now() + dt.timedelta(days=30))
    RewardFactory(name="Сертификат на 1 500 ₽ в любом магазине сети", points_cost=1000, template=template,
                  description="Обменяйте баллы на сертификат: он придёт в раздел «Мои купоны».")
    AttributeDefinitionFactory(key="pets", label="Какие у вас домашние животные?", type="choice", multiple=True,
                               choices=["кошка", "собака", "попугай", "рыбки", "хомяк", "черепаха"])
    AttributeDefinitionFactory(key="children", label="Есть ли у вас дети младше 14 лет?", type="bool")
    return member


def test_at_375_px_every_portal_page_fits_the_phone(page_factory, member, artifacts):
    # given a member on a phone
    page = page_factory(**PHONE)
    page.goto("/sign-in/")
    assert fits_the_width(page), overflowing(page)
    page.screenshot(path=str(artifacts / "phone-375-sign-in.png"), full_page=True)
    page.locator("#id_login").fill(member.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    # when they open each page, then none scrolls sideways
    for name, url in [*PAGES, ("reward-confirm", _reward_url(page))]:
        page.goto(url)
        assert fits_the_width(page), (name, overflowing(page))
        page.screenshot(path=str(artifacts / f"phone-375-{name}.png"), full_page=True)


def _reward_url(page):
    page.goto("/rewards/")
    return page.locator("a.button[href*='/redeem/']").first.get_attribute("href")
