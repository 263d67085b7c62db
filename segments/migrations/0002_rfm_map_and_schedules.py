"""Seed the standard recency × frequency map (every cell of the 5×5 grid exactly once) and the refresh schedules."""
from django.db import migrations

RFM_MAP = [
    # name, R min, R max, F min, F max
    ("Champions", 5, 5, 4, 5),
    ("Loyal", 3, 4, 4, 5),
    ("Potential loyalist", 4, 5, 2, 3),
    ("New", 5, 5, 1, 1),
    ("Promising", 4, 4, 1, 1),
    ("Need attention", 3, 3, 3, 3),
    ("About to sleep", 3, 3, 1, 2),
    ("At risk", 1, 2, 3, 4),
    ("Can't lose them", 1, 2, 5, 5),
    ("Hibernating", 2, 2, 1, 2),
    ("Lost", 1, 1, 1, 2),
]
SCHEDULES = [
    # name, task, crontab hour, minute
    ("Refresh member statistics and RFM", "segments.tasks.member_stats_refresh_task", "2", "30"),
    ("Refresh all dynamic segments", "segments.tasks.segments_refresh_all", "3", "30"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("segments", "RfmSegmentRule")
    if not Rule.objects.exists():
        Rule.objects.bulk_create(Rule(name=n, r_min=a, r_max=b, f_min=c, f_max=d) for n, a, b, c, d in RFM_MAP)
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})
    # Members whose data changed are re-evaluated within minutes, not at the nightly sweep.
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Re-evaluate changed members", defaults={"task": "segments.tasks.dirty_members_refresh", "interval": every_minute}
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__startswith="segments.tasks.").delete()
    apps.get_model("segments", "RfmSegmentRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("segments", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
