"""Seed three event-triggered campaigns (switched off, like the stage campaigns, until staff review the texts) and
the per-minute sweep that catches up on event campaigns whose queued task was lost.

- Abandoned cart: `cart_updated`, four hours' wait, unless `order_completed` since → the cart's items.
- Points expiring: `points_expiring` (the daily points pass) → the amount and the date.
- Tier congratulation: `tier_changed` → the new tier's name.
"""
from django.db import migrations

HELLO = "Здравствуйте{% if first_name %}, {{ first_name }}{% endif %}!\n\n"
CART_ITEMS = "{% for item in event.items %}\n— {{ item.name }} × {{ item.quantity }}{% endfor %}"
CAMPAIGNS = [
    {"slug": "event-abandoned-cart", "name": "Брошенная корзина", "event": "cart_updated", "delay": 4 * 3600,
     "unless": "order_completed",
     "subject": "Вы кое-что оставили в корзине",
     "body": HELLO + "Товары ждут вас в корзине:" + CART_ITEMS + "\n\nОформить заказ можно в любой момент.",
     "sms": "В корзине ждут: {% for item in event.items %}{{ item.name }}{% if not forloop.last %}, {% endif %}{% endfor %}",
     "push_title": "Корзина ждёт вас",
     "push": "{% for item in event.items %}{{ item.name }}{% if not forloop.last %}, {% endif %}{% endfor %}",
     "link": "app://cart"},
    {"slug": "event-points-expiring", "name": "Баллы скоро сгорят", "event": "points_expiring", "delay": 0,
     "unless": None,
     "subject": "{{ event.points }} баллов сгорят {{ event.expires_on_local }}",
     "body": HELLO + "{{ event.points }} баллов сгорят {{ event.expires_on_local }}. Потратьте их на следующую покупку.",
     "sms": "{{ event.points }} баллов сгорят {{ event.expires_on_local }}. Потратьте их до этой даты.",
     "push_title": "Баллы скоро сгорят", "push": "{{ event.points }} баллов сгорят {{ event.expires_on_local }}",
     "link": "app://points"},
    {"slug": "event-tier-congratulation", "name": "Поздравление с новым уровнем", "event": "tier_changed", "delay": 0,
     "unless": None,
     "subject": "Поздравляем: теперь ваш уровень — {{ event.to_tier_name }}",
     "body": HELLO + "Ваш новый уровень в программе — {{ event.to_tier_name }}. Спасибо, что вы с нами!",
     "sms": "Поздравляем! Ваш новый уровень — {{ event.to_tier_name }}.",
     "push_title": "Новый уровень", "push": "Теперь ваш уровень — {{ event.to_tier_name }}", "link": "app://tier"},
]


def seed(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignStep = apps.get_model("campaigns", "CampaignStep")
    EventType = apps.get_model("events", "EventType")
    for spec in CAMPAIGNS:
        event_type = EventType.objects.filter(key=spec["event"]).first()
        if event_type is None or Campaign.objects.filter(slug=spec["slug"]).exists():
            continue
        unless = EventType.objects.filter(key=spec["unless"]).first() if spec["unless"] else None
        campaign = Campaign.objects.create(
            slug=spec["slug"], name=spec["name"], trigger="event", event_type=event_type, unless_event_type=unless,
            event_delay_seconds=spec["delay"], is_active=False, holdout_percent=10, action_window_days=1)
        CampaignStep.objects.create(
            campaign=campaign, action="message", channel="email", subject_template=spec["subject"],
            body_template=spec["body"], sms_template=spec["sms"], push_title_template=spec["push_title"],
            push_body_template=spec["push"], push_link=spec["link"])
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(name="Event campaigns: catch up",
                                       defaults={"task": "campaigns.tasks.event_campaigns_sweep_task", "interval": every})


def unseed(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.filter(slug__in=[c["slug"] for c in CAMPAIGNS]).delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="campaigns.tasks.event_campaigns_sweep_task").delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0018_event_trigger"), ("events", "0002_builtin_types_and_schedule"),
                    ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
