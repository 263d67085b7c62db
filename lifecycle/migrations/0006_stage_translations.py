"""Stages carry their names and descriptions per language (core.translated_content): the seeded stages get
their Russian name and description in the columns (the shop's language) and the English in `translations`.

A stage staff renamed keeps its name; a description staff rewrote keeps its text.
"""
from django.db import migrations, models

# slug: (English name, Russian name, English description, Russian description)
SEEDED = {
    "new": ("New", "Новые", "Thank them for the first purchase and ask a short survey; no discount.",
            "Поблагодарить за первую покупку и предложить короткий опрос; без скидки."),
    "promising": ("Promising", "Перспективные", "A personal selection to bring on the second or third purchase.",
                  "Персональная подборка, чтобы привести ко второй или третьей покупке."),
    "wandering": ("Wandering", "Остывающие", "Remind them of us: a personal selection, then a coupon.",
                  "Напомнить о себе: персональная подборка, затем купон."),
    "dormant": ("Dormant", "Спящие", "Last try: a coupon and a personal selection.",
                "Последняя попытка: купон и персональная подборка."),
    "loyal": ("Loyal", "Лояльные", "A personal selection and a review request; never a discount.",
              "Персональная подборка и просьба об отзыве; никогда не скидка."),
    "at_risk": ("At risk", "Под угрозой", "Win them back: a coupon and a personal selection, quickly.",
                "Вернуть: купон и персональная подборка, быстро."),
    "lost": ("Lost", "Потерянные", "A strong coupon and a personal selection; a manager may call.",
             "Сильный купон и персональная подборка; может позвонить менеджер."),
}


def names_in_russian(apps, schema_editor):
    Stage = apps.get_model("lifecycle", "LifecycleStage")
    for stage in Stage.objects.filter(slug__in=SEEDED):
        name_en, name_ru, description_en, description_ru = SEEDED[stage.slug]
        english = dict((stage.translations or {}).get("en") or {})
        if stage.name == name_en:
            stage.name, english["name"] = name_ru, name_en
        if stage.description == description_en:
            stage.description, english["description"] = description_ru, description_en
        if english:
            stage.translations = {**(stage.translations or {}), "en": english}
            stage.save(update_fields=["name", "description", "translations"])


def names_in_english(apps, schema_editor):
    Stage = apps.get_model("lifecycle", "LifecycleStage")
    for stage in Stage.objects.filter(slug__in=SEEDED):
        name_en, name_ru, description_en, description_ru = SEEDED[stage.slug]
        if stage.name == name_ru:
            stage.name = name_en
        if stage.description == description_ru:
            stage.description = description_en
        stage.save(update_fields=["name", "description"])


class Migration(migrations.Migration):

    dependencies = [
        ("lifecycle", "0005_translatable_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicallifecyclestage",
            name="translations",
            field=models.JSONField(blank=True, default=dict, help_text="The texts in the shop's other languages, edited on this form.", verbose_name="translations"),
        ),
        migrations.AddField(
            model_name="lifecyclestage",
            name="translations",
            field=models.JSONField(blank=True, default=dict, help_text="The texts in the shop's other languages, edited on this form.", verbose_name="translations"),
        ),
        migrations.RunPython(names_in_russian, names_in_english),
    ]
