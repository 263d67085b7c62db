"""Secrets leave the outbox's clear text: the encrypted column, the clean-up of codes and reset links
already stored in clear, and the hourly purge (marketing texts past retention, secrets no longer needed)."""
import hashlib

from django.db import migrations, models

TASK = "campaigns.tasks.outbox_purge_task"
SECRET_KEYS = ("portal:sign-in-code:", "portal:password-reset:")


def remove_clear_secrets(apps, schema_editor):
    """Bodies that held a code or a reset link in clear are emptied; those still queued are suppressed (the
    member asks again); a reset token in a dedupe key is replaced by its SHA-256, as new keys are."""
    OutboxMessage = apps.get_model("campaigns", "OutboxMessage")
    with_secrets = OutboxMessage.objects.filter(
        models.Q(dedupe_key__startswith=SECRET_KEYS[0]) | models.Q(dedupe_key__startswith=SECRET_KEYS[1]))
    with_secrets.filter(status__in=["pending", "sending"]).update(
        status="suppressed", reason="secret_removed: queued in clear before secrets were encrypted", lease_until=None)
    with_secrets.exclude(body="").update(body="")
    resets = OutboxMessage.objects.filter(dedupe_key__startswith=SECRET_KEYS[1]).only("id", "dedupe_key")
    changed = []
    for message in resets.iterator(chunk_size=2000):
        user_pk, _sep, token = message.dedupe_key[len(SECRET_KEYS[1]):].partition(":")
        if "-" in token:  # a Django reset token (timestamp-hash), not yet a digest
            message.dedupe_key = f"{SECRET_KEYS[1]}{user_pk}:{hashlib.sha256(token.encode()).hexdigest()[:40]}"
            changed.append(message)
    OutboxMessage.objects.bulk_update(changed, ["dedupe_key"], batch_size=2000)


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(name="Purge old outbox texts and spent secrets",
                                       defaults={"task": TASK, "interval": hourly})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0008_configuration_history"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="encrypted_secret",
            field=models.TextField(blank=True, db_default="", help_text="A code or link the body's placeholder stands for, encrypted (core.encryption); wiped once the message is delivered, fails for good or expires."),
        ),
        migrations.RunPython(remove_clear_secrets, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
