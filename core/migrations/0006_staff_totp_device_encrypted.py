"""Staff authenticator apps move from django-otp's TOTPDevice (secret in plain hex) to core.StaffTOTPDevice (secret
encrypted), and django-otp's table is dropped with the plain secrets in it. The secrets themselves do not change,
so every staff user's app keeps working; a session verified by an old device asks for one code again.
"""
import datetime

import core.encryption
import core.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


OLD_TABLE = "otp_totp_totpdevice"
COLUMNS = ["user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count", "created_at",
           "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift", "last_t"]


def _aware(value):
    """SQLite hands back the stored UTC time without its zone (Django writes it so)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


def devices_move(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    device_model = apps.get_model("core", "StaffTOTPDevice")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {OLD_TABLE} ORDER BY id")
        rows = cursor.fetchall()
    for row in rows:  # staff devices: a handful
        values = {column: _aware(value) for column, value in zip(COLUMNS, row)}
        device = device_model.objects.create(**values)  # the key is encrypted on save
        device_model.objects.filter(pk=device.pk).update(created_at=values["created_at"])  # auto_now_add set it
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'otp_totp'")
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="otp_totp").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StaffTOTPDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=64, verbose_name='name')),
                ('confirmed', models.BooleanField(default=True, help_text='Off until the user typed one code from the app.', verbose_name='confirmed')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, null=True, verbose_name='last failed attempt')),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, verbose_name='failed attempts')),
                ('created_at', models.DateTimeField(auto_now_add=True, null=True, verbose_name='created at')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used at')),
                ('key', core.encryption.EncryptedTextField(default=core.models._totp_secret_new, help_text='Hex, encrypted at rest.', verbose_name='secret key')),
                ('step', models.PositiveSmallIntegerField(default=30, verbose_name='time step, seconds')),
                ('t0', models.BigIntegerField(default=0, verbose_name='start time (t0)')),
                ('digits', models.PositiveSmallIntegerField(default=6, verbose_name='digits')),
                ('tolerance', models.PositiveSmallIntegerField(default=1, verbose_name='tolerance, steps')),
                ('drift', models.SmallIntegerField(default=0, verbose_name='drift, steps')),
                ('last_t', models.BigIntegerField(default=-1, help_text='A code is accepted once: the next one must be from a later step.', verbose_name='last time step used')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'authenticator app',
                'verbose_name_plural': 'authenticator apps',
                'abstract': False,
            },
        ),
        migrations.RunPython(devices_move, migrations.RunPython.noop),
    ]
