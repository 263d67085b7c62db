"""Seed two event types the shop and the app send, for the seeded event campaigns (campaigns 0022):

- `order_delivered`: the platform learns of completed orders from the till and the web shop, but not when the
  courier handed one over; the web shop (or its delivery service) sends it with the order's external id, as
  in POST /api/v1/orders. It starts the review request seven days later.
- `app_first_opened`: the app sends it once, on its first start after install (Firebase's `first_open`),
  usually before sign-in, with its install id as `anonymous_id`; the sign-in attaches it. It starts the
  welcome offer.
"""
from django.db import migrations

ORDER_DELIVERED = {
    "type": "object",
    "properties": {
        "order": {"type": "string", "minLength": 1, "maxLength": 64,
                  "description": "The order's external id, as sent to POST /api/v1/orders."},
        "carrier": {"type": "string", "maxLength": 64},
    },
    "required": ["order"],
}
APP_FIRST_OPENED = {
    "type": "object",
    "properties": {"platform": {"type": "string", "enum": ["ios", "android", "web"]},
                   "app_version": {"type": "string", "maxLength": 32}},
}
TYPES = {
    "order_delivered": ("Order delivered", ORDER_DELIVERED,
                        "The web shop or its delivery service sends it when the courier hands the order over."),
    "app_first_opened": ("App opened for the first time", APP_FIRST_OPENED,
                         "The app sends it once, on its first start after install (with its install id as "
                         "anonymous_id before sign-in)."),
}


def seed(apps, schema_editor):
    EventType = apps.get_model("events", "EventType")
    for key, (name, schema, description) in TYPES.items():
        EventType.objects.get_or_create(key=key, defaults={"name": name, "properties_schema": schema,
                                                           "description": description})


def unseed(apps, schema_editor):
    apps.get_model("events", "EventType").objects.filter(key__in=TYPES, is_builtin=False).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0003_names")]
    operations = [migrations.RunPython(seed, unseed)]
