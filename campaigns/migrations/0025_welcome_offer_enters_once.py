"""Campaigns a member enters once; the seeded welcome offer is one (the app's first start after a reinstall sent
the welcome push again: its coupon allows one per member, the push did not)."""
from django.db import migrations, models

from core.migration_operations import record_changed_versions


def welcome_once(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.filter(slug="event-welcome-offer").update(enters_once=True)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0024_channel_labels'),
    ]

    operations = [
        migrations.AddField(
            model_name='campaign',
            name='enters_once',
            field=models.BooleanField(default=False, help_text="A member who entered this campaign never enters it again, and of several triggering events only the earliest counts (e.g. the app's first start: a reinstall sends no second welcome).", verbose_name='enters once per member'),
        ),
        migrations.AddField(
            model_name='historicalcampaign',
            name='enters_once',
            field=models.BooleanField(default=False, help_text="A member who entered this campaign never enters it again, and of several triggering events only the earliest counts (e.g. the app's first start: a reinstall sends no second welcome).", verbose_name='enters once per member'),
        ),
        migrations.RunPython(welcome_once, migrations.RunPython.noop),
        record_changed_versions("campaigns", "Campaign"),
    ]
