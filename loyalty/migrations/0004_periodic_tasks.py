"""Register the loyalty beat tasks in django-celery-beat: the daily points pass and the tier review."""
from django.db import migrations

SCHEDULES = [
    # name, task, crontab hour, minute
    ("Unlock and expire points", "loyalty.tasks.points_daily_task", "1", "15"),
    ("Review member tiers", "loyalty.tasks.tiers_review_task", "4", "0"),
]


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__startswith="loyalty.tasks.").delete()


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0003_programme_ledger_coupons"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
