"""Device moves from portal to messaging with its rows: the model's state is created here on portal's table
(no SQL), then the table is renamed. Staff permissions follow the content type."""
import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="messaging", model="device").exists():
        ContentType.objects.filter(app_label="portal", model="device").update(app_label="messaging")


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="portal", model="device").exists():
        ContentType.objects.filter(app_label="messaging", model="device").update(app_label="portal")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Device",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("platform", models.CharField(choices=[("ios", "iOS"), ("android", "Android"), ("web", "Web push")], max_length=8)),
                        ("push_token", models.CharField(max_length=512, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="devices", to="customers.member")),
                    ],
                    options={
                        "ordering": ["-updated_at"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("platform__in", ["ios", "android", "web"])), name="device_platform_valid")],
                        "db_table": "portal_device",
                    },
                ),
            ],
        ),
        # A rename keeps the rows, indexes and constraints; only the name changes.
        migrations.AlterModelTable(name="device", table=None),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
