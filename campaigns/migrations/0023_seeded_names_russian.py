"""The seeded stage campaigns' names, offer titles and manager-task texts, and their two coupon templates, in
Russian, the shop's language (0012 already wrote the messages themselves in it). Offer titles and coupon names
reach members (the app's offers, the portal's coupons). Coupon templates keep the English name as their
translation (core.translated_content); campaigns have no translations, so their English names are replaced.
What staff changed is left as it is; on a shop running in English (LANGUAGE_CODE en) nothing changes.
"""
from django.conf import settings
from django.db import migrations

from core.migration_operations import record_changed_versions

CAMPAIGN_NAMES = {
    "stage-new": ("New: thank you and a short survey", "Новые: благодарность и короткий опрос"),
    "stage-promising": ("Promising: a personal selection", "Перспективные: персональная подборка"),
    "stage-wandering": ("Wandering: selection, then a coupon", "Остывающие: подборка, затем купон"),
    "stage-dormant": ("Dormant: coupon and selection", "Спящие: купон и подборка"),
    "stage-loyal": ("Loyal: selection and a review request (no discount)",
                    "Лояльные: подборка и просьба об отзыве (без скидки)"),
    "stage-at_risk": ("At risk: coupon and selection, quickly", "Под угрозой: купон и подборка, быстро"),
    "stage-lost": ("Lost: a strong coupon, a selection and a call", "Потерянные: сильный купон, подборка и звонок"),
}
OFFER_TITLES = {
    "10% off your next order": "Скидка 10% на следующий заказ",
    "10% off to welcome you back": "Скидка 10% — с возвращением",
    "15% off, just for you": "Скидка 15% специально для вас",
    "15% off to win you back": "Скидка 15%, чтобы вы вернулись",
}
TASK_TEXTS = {"Call a lost customer who did not come back": "Позвонить потерянному клиенту, который не вернулся"}
COUPON_NAMES = {"Come back: 10% off": "Возвращайтесь: скидка 10%", "We miss you: 15% off": "Мы скучаем: скидка 15%"}


def _in_english():
    return settings.LANGUAGE_CODE.startswith("en")


def to_russian(apps, schema_editor):
    if _in_english():
        return
    _rename(apps, {slug: names for slug, names in CAMPAIGN_NAMES.items()}, OFFER_TITLES, TASK_TEXTS)
    CouponTemplate = apps.get_model("loyalty", "CouponTemplate")
    for template in CouponTemplate.objects.filter(name__in=COUPON_NAMES):
        english = {**(template.translations or {}).get("en", {}), "name": template.name}
        template.translations = {**(template.translations or {}), "en": english}
        template.name = COUPON_NAMES[template.name]
        template.save(update_fields=["name", "translations"])


def to_english(apps, schema_editor):
    if _in_english():
        return
    flip = {text_ru: text_en for text_en, text_ru in OFFER_TITLES.items()}
    _rename(apps, {slug: (ru, en) for slug, (en, ru) in CAMPAIGN_NAMES.items()}, flip,
            {ru: en for en, ru in TASK_TEXTS.items()})
    CouponTemplate = apps.get_model("loyalty", "CouponTemplate")
    english = {ru: en for en, ru in COUPON_NAMES.items()}
    for template in CouponTemplate.objects.filter(name__in=english):
        template.name = english[template.name]
        template.save(update_fields=["name"])


def _rename(apps, campaign_names, offer_titles, task_texts):
    Campaign = apps.get_model("campaigns", "Campaign")
    Step = apps.get_model("campaigns", "CampaignStep")
    for slug, (old, new) in campaign_names.items():
        Campaign.objects.filter(slug=slug, name=old).update(name=new)
    seeded = Step.objects.filter(campaign__slug__in=CAMPAIGN_NAMES)
    for old, new in offer_titles.items():
        seeded.filter(offer_title=old).update(offer_title=new)
    for old, new in task_texts.items():
        seeded.filter(task_text=old).update(task_text=new)


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0022_delivery_review_and_welcome_campaigns"),
        ("loyalty", "0012_content_translations"),
    ]

    operations = [
        migrations.RunPython(to_russian, to_english),
        record_changed_versions("campaigns", "Campaign", "CampaignStep"),
        record_changed_versions("loyalty", "CouponTemplate"),
    ]
