"""The heartbeat's first run comes at beat's first tick, not a minute later.

django-celery-beat counts a task that never ran as last run at the row's change time, so a fresh deploy's
/health/ready failed until a minute after beat started. A start time in the past makes it count the never-run
task as long overdue (django_celery_beat.schedulers.ModelEntry), so beat sends it at once; after that the
interval applies as before.
"""
import datetime as dt

from django.db import migrations

TASK = "monitoring.tasks.beat_heartbeat"
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def start_in_the_past(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK, start_time__isnull=True).update(
        start_time=LONG_AGO)


def no_start_time(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK, start_time=LONG_AGO).update(
        start_time=None)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_beat_heartbeat_schedule")]
    operations = [migrations.RunPython(start_in_the_past, no_start_time)]
