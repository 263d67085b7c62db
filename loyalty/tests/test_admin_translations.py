"""Staff edit a tier's, coupon template's and reward's texts in both languages on one admin form."""
import pytest
from django.urls import reverse

from loyalty.models import Tier
from loyalty.tests.factories import TierFactory

pytestmark = pytest.mark.django_db


def test_staff_edit_the_english_name_and_perks_beside_the_russian_ones(admin_client):
    # given a tier written in Russian
    tier = TierFactory(slug="gold", name="Золото", rank=3, perks="Бесплатная доставка")
    url = reverse("admin:loyalty_tier_change", args=[tier.pk])
    page = admin_client.get(url).content.decode()
    # then its form has an English section with the English fields
    assert "English" in page and 'name="name_en"' in page and 'name="perks_en"' in page
    # when staff fill in the English texts and save
    response = admin_client.post(url, {
        "slug": "gold", "name": "Золото", "rank": 3, "qualify_by": "spend", "threshold": "0", "multiplier": "1",
        "perks": "Бесплатная доставка", "name_en": "Gold", "perks_en": "Free delivery"})
    # then both languages are stored, the Russian in the columns and the English in the translations
    assert response.status_code == 302, response.content.decode()[:2000]
    tier.refresh_from_db()
    assert (tier.name, tier.translations) == ("Золото", {"en": {"name": "Gold", "perks": "Free delivery"}})
    # and the form shows the saved English text again, and the history records the change
    assert 'value="Gold"' in admin_client.get(url).content.decode()
    assert tier.history.first().translations == {"en": {"name": "Gold", "perks": "Free delivery"}}


def test_clearing_an_english_text_removes_it(admin_client):
    tier = TierFactory(slug="gold", name="Золото", rank=3, translations={"en": {"name": "Gold"}})
    admin_client.post(reverse("admin:loyalty_tier_change", args=[tier.pk]), {
        "slug": "gold", "name": "Золото", "rank": 3, "qualify_by": "spend", "threshold": "0", "multiplier": "1",
        "name_en": ""})
    assert Tier.objects.get(pk=tier.pk).translations == {}


def test_reward_and_coupon_template_forms_have_their_english_names(admin_client):
    for name in ("reward", "coupontemplate"):
        page = admin_client.get(reverse(f"admin:loyalty_{name}_add")).content.decode()
        assert 'name="name_en"' in page
