"""The seeded stage campaigns get a variant per channel: email (subject and text), SMS and push (title, text,
deep link into the app), written in Russian, the shop's language; English is the translation, used when the
shop runs in English (LANGUAGE_CODE en). A step staff have already edited is left as it is."""
from importlib import import_module

from django.conf import settings
from django.db import migrations

SEEDED = import_module("campaigns.migrations.0005_default_campaigns").CAMPAIGNS

HELLO_RU = "Здравствуйте{% if first_name %}, {{ first_name }}{% endif %}!\n\n"
SELECTION_RU = "{% for product in personal_selection %}\n- {{ product.name }}{% endfor %}"
BASKET_RU = ("{% if usual_basket %}\n\nПора пополнить запасы? Ваше обычное:{% for product in usual_basket %}"
             "\n- {{ product.name }}{% endfor %}{% endif %}")
HELLO_EN = "Hello{% if first_name %}, {{ first_name }}{% endif %}!\n\n"
SELECTION_EN = SELECTION_RU
BASKET_EN = ("{% if usual_basket %}\n\nTime to restock? Your usual:{% for product in usual_basket %}"
             "\n- {{ product.name }}{% endfor %}{% endif %}")

# (stage slug, day of the message step): language -> (email subject, email text, SMS, push title, push text, link)
VARIANTS = {
    ("new", 0): {
        "ru": ("Спасибо за первую покупку",
               HELLO_RU + "Спасибо, что выбрали нас. Баллов на счёте: {{ points }}.\n"
                          "Расскажите за минуту, как всё прошло: {{ survey_url|default:'ответьте на это письмо' }}",
               "Спасибо за первую покупку! Баллов на счёте: {{ points }}.",
               "Спасибо за покупку!", "Баллов на счёте: {{ points }}. Расскажите, как всё прошло?", "app://feedback"),
        "en": ("Thank you for your first purchase",
               HELLO_EN + "Thank you for shopping with us. You have {{ points }} points already.\n"
                          "Tell us in one minute how it went: {{ survey_url|default:'reply to this email' }}",
               "Thank you for your first purchase! You have {{ points }} points.",
               "Thank you for your purchase!", "You have {{ points }} points. How did it go?", "app://feedback"),
    },
    ("promising", 0): {
        "ru": ("Подобрали для вас", HELLO_RU + "Мы подобрали это для вас:" + SELECTION_RU + BASKET_RU,
               "Мы подобрали для вас товары — загляните в приложение.",
               "Подобрали для вас", "Посмотрите, что мы выбрали специально для вас.", "app://for-you"),
        "en": ("Picked for you", HELLO_EN + "We picked these for you:" + SELECTION_EN + BASKET_EN,
               "We picked some products for you: have a look in the app.",
               "Picked for you", "See what we picked just for you.", "app://for-you"),
    },
    ("wandering", 0): {
        "ru": ("Новое для вас", HELLO_RU + "Загляните, вот что мы подобрали:" + SELECTION_RU,
               "Для вас есть новинки — загляните в приложение.",
               "Новое для вас", "Мы подобрали товары, которые вам понравятся.", "app://for-you"),
        "en": ("New for you", HELLO_EN + "Have a look at these:" + SELECTION_EN,
               "There is something new for you: have a look in the app.",
               "New for you", "We picked products you will like.", "app://for-you"),
    },
    ("wandering", 5): {
        "ru": ("Скидка 10% специально для вас",
               HELLO_RU + "Дарим скидку 10%: {{ coupon_code }}. Подобрали для вас:" + SELECTION_RU,
               "Скидка 10% для вас по коду {{ coupon_code }}.",
               "Скидка 10% для вас", "Ваш код {{ coupon_code }} уже в приложении.", "app://coupons"),
        "en": ("10% off, just for you", HELLO_EN + "Here is 10% off: {{ coupon_code }}. Picked for you:" + SELECTION_EN,
               "10% off for you with code {{ coupon_code }}.",
               "10% off for you", "Your code {{ coupon_code }} is in the app.", "app://coupons"),
    },
    ("dormant", 0): {
        "ru": ("Скидка 10% — с возвращением",
               HELLO_RU + "Код {{ coupon_code }} даёт скидку 10%. Подобрали для вас:" + SELECTION_RU + BASKET_RU,
               "Скидка 10% по коду {{ coupon_code }} — ждём вас снова!",
               "Скидка 10% — с возвращением", "Ваш код {{ coupon_code }} уже в приложении.", "app://coupons"),
        "en": ("10% off to welcome you back",
               HELLO_EN + "Your code {{ coupon_code }} gives 10% off. Picked for you:" + SELECTION_EN + BASKET_EN,
               "10% off with code {{ coupon_code }}: welcome back!",
               "10% off to welcome you back", "Your code {{ coupon_code }} is in the app.", "app://coupons"),
    },
    ("loyal", 0): {
        "ru": ("Подобрали для вас{% if first_name %}, {{ first_name }}{% endif %}",
               HELLO_RU + "Вы один из наших лучших покупателей ({{ tier|default:'участник программы' }}, "
                          "баллов: {{ points }}). Вот что мы подобрали для вас:" + SELECTION_RU,
               "Подобрали для вас новинки. Баллов на счёте: {{ points }}.",
               "Подобрали для вас", "Новинки для наших лучших покупателей.", "app://for-you"),
        "en": ("Picked for you{% if first_name %}, {{ first_name }}{% endif %}",
               HELLO_EN + "As one of our best customers ({{ tier|default:'member' }}, {{ points }} points), "
                          "here is what we picked for you:" + SELECTION_EN,
               "We picked new products for you. You have {{ points }} points.",
               "Picked for you", "New products for our best customers.", "app://for-you"),
    },
    ("loyal", 3): {
        "ru": ("Как вам последний заказ?",
               HELLO_RU + "Оцените, пожалуйста, покупку — это займёт минуту: {{ review_url }}",
               "Как вам покупка? Оцените за минуту: {{ review_url }}",
               "Как вам покупка?", "Оцените заказ — это займёт минуту.", "{{ review_url }}"),
        "en": ("How was your last order?",
               HELLO_EN + "Would you rate what you bought? It takes a minute: {{ review_url }}",
               "How was your order? Rate it in a minute: {{ review_url }}",
               "How was your order?", "Rate it: it takes a minute.", "{{ review_url }}"),
    },
    ("at_risk", 0): {
        "ru": ("Скидка 15% специально для вас",
               HELLO_RU + "Будем рады видеть вас снова: код {{ coupon_code }} даёт скидку 15%." + SELECTION_RU
               + BASKET_RU,
               "Скидка 15% по коду {{ coupon_code }} — ждём вас!",
               "Скидка 15% для вас", "Ваш код {{ coupon_code }} уже в приложении.", "app://coupons"),
        "en": ("15% off, just for you",
               HELLO_EN + "We would love to see you again: {{ coupon_code }} gives 15% off." + SELECTION_EN + BASKET_EN,
               "15% off with code {{ coupon_code }}: we are waiting for you!",
               "15% off for you", "Your code {{ coupon_code }} is in the app.", "app://coupons"),
    },
    ("at_risk", 2): {
        "ru": ("Ваша скидка 15% ещё ждёт",
               HELLO_RU + "Напоминаем: код {{ coupon_code }} даёт скидку 15%. Успейте воспользоваться, пока он "
                          "действует.",
               "{% if first_name %}{{ first_name }}, ваш{% else %}Ваш{% endif %} код на скидку 15% "
               "{{ coupon_code }} ждёт вас.",
               "Ваша скидка 15% ждёт", "Код {{ coupon_code }} — в приложении.", "app://coupons"),
        "en": ("Your 15% off is still waiting",
               HELLO_EN + "A reminder: {{ coupon_code }} gives 15% off. Use it while it lasts.",
               "{{ first_name }}, your 15% code {{ coupon_code }} is waiting.",
               "Your 15% off is waiting", "Code {{ coupon_code }} is in the app.", "app://coupons"),
    },
    ("lost", 0): {
        "ru": ("Мы скучаем: скидка 15%",
               HELLO_RU + "Давно не виделись. Код {{ coupon_code }} даёт скидку 15%." + SELECTION_RU + BASKET_RU,
               "Давно не виделись! Скидка 15% по коду {{ coupon_code }}.",
               "Мы скучаем", "Скидка 15% по коду {{ coupon_code }}.", "app://coupons"),
        "en": ("We miss you: 15% off",
               HELLO_EN + "It has been a while. {{ coupon_code }} gives 15% off." + SELECTION_EN + BASKET_EN,
               "It has been a while! 15% off with code {{ coupon_code }}.",
               "We miss you", "15% off with code {{ coupon_code }}.", "app://coupons"),
    },
}
FIELDS = ["subject_template", "body_template", "sms_template", "push_title_template", "push_body_template",
          "push_link"]


def _seeded_text(slug, day):
    """The text 0005 seeded for that step (to tell an untouched step from one staff edited)."""
    for step_day, action, _channel, _condition, _subject, body, _extra in SEEDED[slug][2]:
        if step_day == day and action == "message":
            return body
    return None


def write_variants(apps, schema_editor):
    Step = apps.get_model("campaigns", "CampaignStep")
    language = "en" if settings.LANGUAGE_CODE.startswith("en") else "ru"
    for (slug, day), texts in VARIANTS.items():
        seeded = _seeded_text(slug, day)
        for step in Step.objects.filter(campaign__slug=f"stage-{slug}", day_offset=day, action="message"):
            current = step.body_template or step.sms_template or step.push_body_template
            if current != seeded:
                continue  # edited by staff: theirs
            for field, value in zip(FIELDS, texts[language]):
                setattr(step, field, value)
            step.save(update_fields=FIELDS)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0011_step_channel_variants")]
    operations = [migrations.RunPython(write_variants, migrations.RunPython.noop)]
