"""Schedule the nightly CLV fit at 04:15 shop time, after the statistics refresh (02:30) it writes into."""
from django.conf import settings
from django.db import migrations

NAME = "Fit CLV models and score members"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.SHOP_TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": "analytics.tasks.clv_fit_nightly", "crontab": crontab})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
