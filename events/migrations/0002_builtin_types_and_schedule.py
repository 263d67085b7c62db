"""Seed the built-in event types, an example `cart_updated` type (abandoned cart), and the daily partition task."""
from django.db import migrations

BUILTIN = {
    "order_completed": "Order completed",
    "points_earned": "Points earned",
    "points_spent": "Points spent",
    "points_expiring": "Points expiring soon",
    "tier_changed": "Tier changed",
    "coupon_issued": "Coupon issued",
    "coupon_redeemed": "Coupon redeemed",
    "stage_changed": "Lifecycle stage changed",
    "segment_entered": "Entered a segment",
    "segment_left": "Left a segment",
    "message_delivered": "Message delivered",
    "message_opened": "Message opened",
    "message_clicked": "Message link clicked",
}
CART_UPDATED = {
    "type": "object",
    "properties": {
        "cart_id": {"type": "string"},
        "value": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "minLength": 3, "maxLength": 3},
        "items": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "required": ["sku", "name", "quantity"],
            "properties": {"sku": {"type": "string"}, "name": {"type": "string"},
                           "quantity": {"type": "number", "exclusiveMinimum": 0},
                           "price": {"type": "number", "minimum": 0}, "url": {"type": "string"}}}},
    },
    "required": ["items"],
}
PRODUCT_VIEWED = {
    "type": "object",
    "properties": {"sku": {"type": "string"}, "category": {"type": "string"}, "price": {"type": "number"}},
    "required": ["sku"],
}


def seed(apps, schema_editor):
    EventType = apps.get_model("events", "EventType")
    for key, name in BUILTIN.items():
        EventType.objects.get_or_create(key=key, defaults={"name": name, "is_builtin": True})
    EventType.objects.get_or_create(key="cart_updated", defaults={
        "name": "Cart updated", "properties_schema": CART_UPDATED,
        "description": "The web shop or the app sends the whole cart whenever it changes."})
    EventType.objects.get_or_create(key="product_viewed", defaults={
        "name": "Product viewed", "properties_schema": PRODUCT_VIEWED})
    EventType.objects.get_or_create(key="app_opened", defaults={"name": "App opened"})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow")
    PeriodicTask.objects.get_or_create(name="Event partitions and retention",
                                       defaults={"task": "events.tasks.event_partitions_task", "crontab": crontab})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__startswith="events.tasks.").delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
