"""Memberships without database foreign keys or single-column indexes: see SegmentMembership (written in bulk)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('segments', '0003_member_stats_clv'),
    ]

    operations = [
        migrations.AlterField(
            model_name='segmentmembership',
            name='member',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='segment_memberships', to='customers.member'),
        ),
        migrations.AlterField(
            model_name='segmentmembership',
            name='segment',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='segments.segment'),
        ),
    ]
