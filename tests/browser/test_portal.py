"""The members' portal in a real browser: the paths a member takes, on a desktop and at phone width."""
import re

import pytest

from campaigns.models import OutboxMessage, Review
from campaigns.services.reviews import review_request_create
from core.encryption import field_decrypt
from customers.models import ConsentRecord
from loyalty import services as loyalty_services
from loyalty.models import MemberAccount
from loyalty.tests.factories import OrderFactory, OrderLineFactory, ProductFactory, RewardFactory, TierFactory
from portal.tests.factories import PASSWORD, MemberWithUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    member = MemberWithUserFactory(first_name="Анна", email="anna@example.com")
    silver = TierFactory(slug="silver", name="Серебро", rank=1)
    TierFactory(slug="gold", name="Золото", rank=2, threshold=20000, perks="Бесплатная доставка")
    loyalty_services.points_award_bonus(member=member, points=800, reason="Приветственный бонус", cause_key="welcome")
    MemberAccount.objects.filter(member=member).update(tier=silver)
    return member


def _sign_in_with_password(page, member):
    page.goto("/sign-in/")
    page.locator("#id_login").fill(member.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_member_signs_in_redeems_changes_consent_reviews_and_signs_out(page_factory, member, artifacts):
    reward = RewardFactory(name="Кофе", points_cost=300)
    order = OrderFactory(member=member)
    OrderLineFactory(order=order, product=ProductFactory(name="Капучино"))
    review_request = review_request_create(member=member)
    page = page_factory()

    # sign in; the dashboard shows the balance and the progress to the next tier
    _sign_in_with_password(page, member)
    assert page.get_by_test_id("balance").inner_text() == "800"
    assert page.get_by_test_id("tier").inner_text() == "Серебро"
    progress = page.get_by_role("progressbar")
    assert progress.get_attribute("aria-valuenow") is not None
    assert "Золото" in page.locator(".tier").inner_text()
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    # redeem a reward and see its coupon
    page.get_by_role("link", name="Награды").click()
    page.get_by_role("link", name=f"Получить «{reward.name}»").click()
    page.get_by_role("button", name="Да, потратить баллы").click()
    page.wait_for_url(re.compile(r"/coupons/$"))
    code = page.get_by_test_id("coupon-code").first.inner_text()
    assert code in page.locator(".messages").inner_text()
    assert MemberAccount.objects.get(member=member).available_points == 500

    # change a consent
    page.get_by_role("link", name="Профиль").click()
    page.get_by_label("Предложения по email").check()
    page.get_by_role("button", name="Сохранить настройки").click()
    assert "Сохранено." in page.locator(".messages").inner_text()
    assert ConsentRecord.objects.filter(member=member, purpose="email", granted=True, source="web").exists()
    page.screenshot(path=str(artifacts / "profile.png"), full_page=True)

    # answer a review request from its email link
    page.goto(f"/reviews/{review_request.token}/")
    page.get_by_label("Капучино").select_option("5")
    page.get_by_role("button", name="Отправить отзыв").click()
    assert "Спасибо за отзыв!" in page.locator(".messages").inner_text()
    assert Review.objects.get(member=member).rating == 5

    # sign out: member pages send the visitor back to sign-in
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url(re.compile(r"/sign-in/"))
    page.goto("/")
    assert "/sign-in/" in page.url


def test_at_phone_width_sign_in_by_code_and_the_dashboard_fits(page_factory, member, artifacts):
    page = page_factory(width=375, height=740)
    page.goto("/sign-in/")
    page.locator("#code-login").fill(member.phone)
    page.get_by_role("button", name="Прислать код").click()
    # the code waits in the outbox encrypted; read it as the worker will put it in the SMS
    code = field_decrypt(OutboxMessage.objects.get(member=member, channel="sms").encrypted_secret)
    page.get_by_label("Код из сообщения").fill(code)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.get_by_test_id("balance").inner_text() == "800"
    # nothing sticks out sideways at 375 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)


def test_the_portal_works_from_the_keyboard_and_in_english(page_factory, member):
    page = page_factory()
    page.goto("/sign-in/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("Язык").select_option("en")
    page.get_by_role("button", name="Сменить").click()
    page.locator("#id_login").fill(member.email)
    page.get_by_label("Password").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.get_by_role("heading", name="Your points").is_visible()
