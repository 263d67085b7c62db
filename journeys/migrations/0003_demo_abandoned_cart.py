"""Seed an abandoned-cart journey (switched off, like the event campaigns, until staff review the texts):
cart_updated → four hours' wait unless an order (the campaign's delay and "unless") → A/B split of two messages →
a day's wait → opened? → the end / a reminder → the end. A completed order within the window ends it early."""
from django.db import migrations

SLUG = "journey-abandoned-cart"
HELLO = "Здравствуйте{% if first_name %}, {{ first_name }}{% endif %}!\n\n"
CART_ITEMS = "{% for item in event.items %}\n— {{ item.name }} × {{ item.quantity }}{% endfor %}"
SMS_ITEMS = "{% for item in event.items %}{{ item.name }}{% if not forloop.last %}, {% endif %}{% endfor %}"
MESSAGES = {
    "a": {"subject": "Вы кое-что оставили в корзине",
          "body": HELLO + "Товары ждут вас в корзине:" + CART_ITEMS + "\n\nОформить заказ можно в любой момент.",
          "sms": "В корзине ждут: " + SMS_ITEMS, "push_title": "Корзина ждёт вас"},
    "b": {"subject": "Товары из вашей корзины могут закончиться",
          "body": HELLO + "Пока товары есть в наличии, их можно заказать:" + CART_ITEMS + "\n\nМы сохранили корзину.",
          "sms": "Товары из корзины могут закончиться: " + SMS_ITEMS, "push_title": "Успейте оформить заказ"},
    "reminder": {"subject": "Напоминаем о вашей корзине",
                 "body": HELLO + "Корзина всё ещё ждёт:" + CART_ITEMS + "\n\nЕсли остались вопросы — ответьте на это письмо.",
                 "sms": "Напоминаем: в корзине " + SMS_ITEMS, "push_title": "Корзина всё ещё ждёт"},
}


def seed(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignStep = apps.get_model("campaigns", "CampaignStep")
    EventType = apps.get_model("events", "EventType")
    Journey = apps.get_model("journeys", "Journey")
    JourneyNode = apps.get_model("journeys", "JourneyNode")
    JourneyVariant = apps.get_model("journeys", "JourneyVariant")
    cart = EventType.objects.filter(key="cart_updated").first()
    if cart is None or Campaign.objects.filter(slug=SLUG).exists():
        return
    campaign = Campaign.objects.create(
        slug=SLUG, name="Брошенная корзина: сценарий с A/B-тестом", trigger="event", event_type=cart,
        unless_event_type=EventType.objects.filter(key="order_completed").first(), event_delay_seconds=4 * 3600,
        is_active=False, is_journey=True, holdout_percent=10, action_window_days=2, conversion_window_days=3,
        description="Пример сценария: A/B-тест двух писем о брошенной корзине и напоминание тем, кто не открыл письмо.")
    steps = {key: CampaignStep.objects.create(
        campaign=campaign, action="message", channel="email", position=position, subject_template=text["subject"],
        body_template=text["body"], sms_template=text["sms"], push_title_template=text["push_title"],
        push_body_template=SMS_ITEMS, push_link="app://cart") for position, (key, text) in enumerate(MESSAGES.items())}
    journey = Journey.objects.create(campaign=campaign)

    def node(position, name, kind, **fields):
        return JourneyNode.objects.create(journey=journey, position=position, name=name, kind=kind, **fields)

    split = node(0, "A/B: какое письмо", "split")
    letter_a = node(1, "Письмо A: «оставили в корзине»", "action", step=steps["a"])
    letter_b = node(2, "Письмо B: «могут закончиться»", "action", step=steps["b"])
    wait = node(3, "Ждём сутки", "wait", wait_seconds=86400)
    opened = node(4, "Открыл письмо?", "branch", condition="opened")
    reminder = node(5, "Напоминание", "action", step=steps["reminder"])
    end = node(6, "Конец", "exit")
    JourneyVariant.objects.create(node=split, key="A", name="Оставили в корзине", weight=50, traffic_share=0.5,
                                  next=letter_a)
    JourneyVariant.objects.create(node=split, key="B", name="Могут закончиться", weight=50, traffic_share=0.5,
                                  next=letter_b)
    for source, target, target_no in [(letter_a, wait, None), (letter_b, wait, None), (wait, opened, None),
                                      (opened, end, reminder), (reminder, end, None)]:
        source.next, source.next_no = target, target_no
        source.save(update_fields=["next", "next_no"])


def unseed(apps, schema_editor):
    apps.get_model("journeys", "Journey").objects.filter(campaign__slug=SLUG).delete()
    apps.get_model("campaigns", "Campaign").objects.filter(slug=SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("journeys", "0002_advance_schedule"), ("campaigns", "0021_journey_flag"),
                    ("events", "0002_builtin_types_and_schedule")]
    operations = [migrations.RunPython(seed, unseed)]
