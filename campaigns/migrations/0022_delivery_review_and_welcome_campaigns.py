"""Seed the last two event campaigns of issue 17, switched off like the others until staff review the texts:

- Review request: `order_delivered` (the web shop sends it) → seven days later a request to rate that order. The
  request is made on day 6 and the message goes on day 7 at the member's best hour, so the link always exists
  when the message is written (the outbox does not wait for a campaign's actions). Each delivered order asks
  once (one review request per order), and nothing is asked about an order returned or cancelled since.
- Welcome offer: `app_first_opened` (the app's first start, usually before sign-in: it counts once the sign-in
  attaches it) → a 10 % coupon shown as an offer in the app, and a push pointing there. The coupon template
  allows one per member, so an app reinstalled sends no second gift.
"""
from django.db import migrations

HELLO = "Здравствуйте{% if first_name %}, {{ first_name }}{% endif %}!\n\n"
WELCOME_COUPON = {"name": "Подарок за первый вход в приложение: 10 %", "discount_kind": "percent",
                  "discount_value": "10", "validity_days": 14, "per_member_limit": 1}
CAMPAIGNS = [
    {"slug": "event-review-request", "name": "Отзыв о доставленном заказе", "event": "order_delivered",
     "window": 9, "steps": [
         {"day_offset": 6, "action": "review_request"},
         {"day_offset": 7, "action": "message", "channel": "email",
          "subject_template": "Как вам заказ {{ event.order }}?",
          "body_template": HELLO + "Неделю назад мы доставили ваш заказ {{ event.order }}. Оцените, пожалуйста, "
                                   "покупки — это займёт минуту:\n{{ review_url }}\n\nВаш отзыв поможет другим "
                                   "покупателям и нам.",
          "sms_template": "Оцените заказ {{ event.order }}, это займёт минуту: {{ review_url }}",
          "push_title_template": "Как вам заказ?",
          "push_body_template": "Оцените покупки из заказа {{ event.order }}",
          "push_link": "{{ review_url }}"},
     ]},
    {"slug": "event-welcome-offer", "name": "Приветственное предложение в приложении", "event": "app_first_opened",
     "window": 1, "steps": [
         {"day_offset": 0, "action": "coupon", "coupon": True, "offer_title": "Скидка 10 % на первый заказ",
          "offer_valid_days": 14},
         {"day_offset": 0, "action": "message", "channel": "push",
          "subject_template": "Подарок в приложении",
          "body_template": HELLO + "Спасибо, что установили наше приложение! В разделе «Предложения» вас ждёт "
                                   "скидка 10 % на первый заказ. Она действует 14 дней.",
          "sms_template": "",
          "push_title_template": "Подарок для вас",
          "push_body_template": "Скидка 10 % на первый заказ уже в разделе «Предложения»",
          "push_link": "app://offers"},
     ]},
]


def seed(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignStep = apps.get_model("campaigns", "CampaignStep")
    EventType = apps.get_model("events", "EventType")
    CouponTemplate = apps.get_model("loyalty", "CouponTemplate")
    for spec in CAMPAIGNS:
        event_type = EventType.objects.filter(key=spec["event"]).first()
        if event_type is None or Campaign.objects.filter(slug=spec["slug"]).exists():
            continue
        campaign = Campaign.objects.create(
            slug=spec["slug"], name=spec["name"], trigger="event", event_type=event_type, event_delay_seconds=0,
            is_active=False, holdout_percent=10, action_window_days=spec["window"])
        for position, step in enumerate(spec["steps"]):
            fields = {key: value for key, value in step.items() if key != "coupon"}
            if step.get("coupon"):
                fields["coupon_template"], _ = CouponTemplate.objects.get_or_create(
                    name=WELCOME_COUPON["name"], defaults={k: v for k, v in WELCOME_COUPON.items() if k != "name"})
            CampaignStep.objects.create(campaign=campaign, position=position, **fields)


def unseed(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.filter(slug__in=[c["slug"] for c in CAMPAIGNS]).delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0021_journey_flag"), ("events", "0004_delivery_and_first_open_types"),
                    ("loyalty", "0012_content_translations")]
    operations = [migrations.RunPython(seed, unseed)]
