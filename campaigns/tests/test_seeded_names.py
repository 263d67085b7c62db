"""The seeded stage campaigns speak the shop's language: names, the offers and coupons members see, task texts."""
import importlib

import pytest
from django.apps import apps

from campaigns.models import Campaign, CampaignStep
from core.translated_content import translated
from loyalty.models import CouponTemplate

from .factories import CampaignFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("campaigns.migrations.0023_seeded_names_russian")


def seeded_in_english():
    """The rows as 0005 seeded them (recreated: a transactional test may have flushed the seeds)."""
    Campaign.objects.filter(slug__in=["stage-lost", "stage-new"]).delete()
    lost = CampaignFactory(slug="stage-lost", name="Lost: a strong coupon, a selection and a call")
    renamed = CampaignFactory(slug="stage-new", name="Наше название")
    offer = CampaignStep.objects.create(campaign=lost, action="offer", offer_title="15% off to win you back")
    task = CampaignStep.objects.create(campaign=lost, action="manager_task", day_offset=7,
                                       task_text="Call a lost customer who did not come back")
    coupon = CouponTemplate.objects.filter(name__in=["We miss you: 15% off", "Мы скучаем: скидка 15%"]).first() or \
        CouponTemplate(discount_kind="percent", discount_value=15)
    coupon.name, coupon.translations = "We miss you: 15% off", {}
    coupon.save()
    return lost, renamed, offer, task, coupon


def test_seeded_names_become_russian_the_coupons_english_kept_and_staffs_names_stay(settings):
    settings.LANGUAGE_CODE = "ru"
    lost, renamed, offer, task, coupon = seeded_in_english()
    # when the migration runs
    migration.to_russian(apps, None)
    # then what members see (the offer, the coupon) and what staff see are in Russian; the coupon keeps its English
    for row in (lost, renamed, offer, task, coupon):
        row.refresh_from_db()
    assert lost.name == "Потерянные: сильный купон, подборка и звонок"
    assert offer.offer_title == "Скидка 15%, чтобы вы вернулись"
    assert task.task_text == "Позвонить потерянному клиенту, который не вернулся"
    assert translated(coupon, "name", "ru") == "Мы скучаем: скидка 15%"
    assert translated(coupon, "name", "en") == "We miss you: 15% off"
    assert renamed.name == "Наше название"


def test_the_reverse_gives_the_english_back_and_an_english_shop_keeps_it(settings):
    settings.LANGUAGE_CODE = "ru"
    lost, _, offer, _, coupon = seeded_in_english()
    migration.to_russian(apps, None)
    migration.to_english(apps, None)
    for row in (lost, offer, coupon):
        row.refresh_from_db()
    assert (lost.name, offer.offer_title, coupon.name) == (
        "Lost: a strong coupon, a selection and a call", "15% off to win you back", "We miss you: 15% off")
    # a shop running in English is left in English
    settings.LANGUAGE_CODE = "en"
    migration.to_russian(apps, None)
    lost.refresh_from_db()
    assert lost.name == "Lost: a strong coupon, a selection and a call"
