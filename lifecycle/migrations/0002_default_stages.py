"""Seed the stages a retailer published for this job, and the daily recompute schedule."""
from django.db import migrations

DEFAULT_STAGES = [
    # slug, name, min, max, enters at day, conversion window, action window end, what to do
    ("new", "New", 1, 1, 10, 7, 6, "Thank them for the first purchase and ask a short survey; no discount."),
    ("promising", "Promising", 1, 2, 25, 7, 10, "A personal selection to bring on the second or third purchase."),
    ("wandering", "Wandering", 1, 2, 51, 12, 12, "Remind them of us: a personal selection, then a coupon."),
    ("dormant", "Dormant", 1, 2, 75, 10, 15, "Last try: a coupon and a personal selection."),
    ("loyal", "Loyal", 3, None, 20, 7, 14, "A personal selection and a review request; never a discount."),
    ("at_risk", "At risk", 3, None, 56, 2, 10, "Win them back: a coupon and a personal selection, quickly."),
    ("lost", "Lost", 3, None, 113, 14, 30, "A strong coupon and a personal selection; a manager may call."),
]
TASK_NAME = "lifecycle.tasks.lifecycle_recompute_all"


def seed(apps, schema_editor):
    Stage = apps.get_model("lifecycle", "LifecycleStage")
    for slug, name, low, high, entry, conversion, action_end, description in DEFAULT_STAGES:
        Stage.objects.update_or_create(slug=slug, defaults={
            "name": name, "min_orders": low, "max_orders": high, "entry_day": entry,
            "conversion_window_days": conversion, "action_window_start_days": 0,
            "action_window_end_days": action_end, "description": description,
        })
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
    )
    PeriodicTask.objects.get_or_create(
        name="Recompute lifecycle stages", defaults={"task": TASK_NAME, "crontab": schedule, "enabled": True}
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK_NAME).delete()
    apps.get_model("lifecycle", "LifecycleStage").objects.filter(slug__in=[s[0] for s in DEFAULT_STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
