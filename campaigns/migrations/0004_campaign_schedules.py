"""Beat entries for planning campaign sends and running due campaign actions."""
from django.db import migrations

SCHEDULES = [
    ("Plan campaign sends", "campaigns.tasks.campaigns_plan_due_task", 15),
    ("Run due campaign actions", "campaigns.tasks.planned_actions_run_task", 1),
]


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[s[1] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_campaigns_reviews_offers_tasks_webhooks")]
    operations = [migrations.RunPython(seed, unseed)]
