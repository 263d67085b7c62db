"""The portal reads in the member's language, Russian first: staff-written texts (tier names and benefits, coupon
and reward names, attribute questions and options) and the consent purposes, with English as the second."""
import datetime as dt

import pytest
from django.test import Client

from customers.services import consent_set
from customers.tests.factories import AttributeDefinitionFactory
from loyalty import services as loyalty_services
from loyalty.models import MemberAccount
from loyalty.tests.factories import CouponTemplateFactory, RewardFactory, TierFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(member):
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def content(member):
    """A member on a Russian-named tier with a Russian-named coupon, a reward and a question, each translated."""
    tier = TierFactory(slug="gold", name="Золото", rank=1, perks="Бесплатная доставка",
                       translations={"en": {"name": "Gold", "perks": "Free delivery"}})
    template = CouponTemplateFactory(name="Скидка 300 ₽", translations={"en": {"name": "300 ₽ off"}})
    RewardFactory(name="Сертификат", description="На любую покупку", template=template, points_cost=100,
                  translations={"en": {"name": "Voucher", "description": "For any purchase"}})
    loyalty_services.points_award_bonus(member=member, points=500, reason="Welcome", cause_key="w")
    MemberAccount.objects.filter(member=member).update(tier=tier)
    loyalty_services.coupon_issue(template=template, member=member, source="staff", cause_key="c")
    AttributeDefinitionFactory(key="pets", label="Какие у вас питомцы?", type="choice", choices=["cat", "dog"],
                               multiple=True, translations={
                                   "ru": {"options": {"cat": "Кошка", "dog": "Собака"}},
                                   "en": {"label": "Which pets do you have?", "options": {"cat": "Cat", "dog": "Dog"}}})
    consent_set(member=member, purpose="email", granted=True, method="web", at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))


def pages(web, language):
    return {url: web.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            for url in ("/", "/coupons/", "/rewards/", "/profile/")}


def test_the_portal_shows_staff_texts_in_russian_by_default(web, content):
    # when a member whose browser asks for nothing in particular opens the portal
    shown = {url: web.get(url).content.decode() for url in ("/", "/coupons/", "/rewards/", "/profile/")}
    # then the tier, its benefits, the coupon, the reward, the question, its options and the consent are Russian
    assert "Золото" in shown["/"] and "Бесплатная доставка" in shown["/"] and "Скидка 300 ₽" in shown["/"]
    assert "Скидка 300 ₽" in shown["/coupons/"]
    assert "Сертификат" in shown["/rewards/"] and "На любую покупку" in shown["/rewards/"]
    assert "Какие у вас питомцы?" in shown["/profile/"] and "Кошка" in shown["/profile/"]
    assert "Рассылки по email" in shown["/profile/"]
    assert not any(word in text for text in shown.values() for word in ("Gold", "Voucher", "300 ₽ off", "Cat<"))


def test_the_portal_shows_staff_texts_in_english_to_an_english_reader(web, content):
    shown = pages(web, "en")
    assert "Gold" in shown["/"] and "Free delivery" in shown["/"] and "300 ₽ off" in shown["/coupons/"]
    assert "Voucher" in shown["/rewards/"] and "For any purchase" in shown["/rewards/"]
    assert "Which pets do you have?" in shown["/profile/"] and "Dog" in shown["/profile/"]
    assert "Marketing by email" in shown["/profile/"]
    assert "Золото" not in shown["/"] and "Кошка" not in shown["/profile/"]


def test_the_survey_keeps_the_stored_values_whatever_the_labels(web, member, content):
    # when a member ticks "Кошка" (the option whose value is cat)
    response = web.post("/profile/", {"form": "survey", "survey-pets": ["cat"]})
    # then the value is stored, not the label
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.attributes["pets"] == ["cat"]


def test_the_app_gets_names_in_its_language(member, content):
    api = client_for(member)
    russian = api.get("/api/v1/me/rewards").json()
    english = api.get("/api/v1/me/rewards", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["name"] for r in russian["results"]] == ["Сертификат"]
    assert [r["name"] for r in english["results"]] == ["Voucher"]
    assert api.get("/api/v1/me/coupons", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["name"] == "300 ₽ off"
    tier = api.get("/api/v1/me/tier", HTTP_ACCEPT_LANGUAGE="en").json()
    assert tier["current"]["name"] == "Gold" and "Free delivery" in tier["benefits"]
    assert api.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["tier"] == "Gold"
