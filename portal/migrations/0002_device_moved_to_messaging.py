"""Device now lives in messaging (its 0001 took the table over and renamed it); portal forgets it, no SQL."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0001_initial"),
        ("messaging", "0001_device_from_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Device")]),
    ]
