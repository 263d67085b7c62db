"""0006 renamed the seeded stages without a history row (migrations write no history): record the stages as they
are now, so the next staff edit shows only what staff changed."""
from django.db import migrations

from core.migration_operations import record_changed_versions


class Migration(migrations.Migration):

    dependencies = [
        ("lifecycle", "0006_stage_translations"),
    ]

    operations = [record_changed_versions("lifecycle", "LifecycleStage")]
