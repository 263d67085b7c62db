"""Split assignments in their own table, filled from the visits: each member's earliest variant at each split."""
import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
    INSERT INTO journeys_splitassignment (node_id, member_id, variant_id, assigned_at)
    SELECT v.node_id, j.member_id, v.variant_id, v.at
      FROM journeys_journeyvisit v JOIN journeys_journeymember j ON j.id = v.journey_member_id
     WHERE v.id IN (SELECT MIN(v2.id)
                      FROM journeys_journeyvisit v2
                      JOIN journeys_journeymember j2 ON j2.id = v2.journey_member_id
                      JOIN journeys_journeynode n ON n.id = v2.node_id
                     WHERE n.kind = 'split' AND v2.variant_id IS NOT NULL
                     GROUP BY v2.node_id, j2.member_id)"""


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_import_job_progress_name'),
        ('journeys', '0003_demo_abandoned_cart'),
    ]

    operations = [
        migrations.CreateModel(
            name='SplitAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('assigned_at', models.DateTimeField(verbose_name='assigned at')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.member', verbose_name='member')),
                ('node', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='journeys.journeynode', verbose_name='split')),
                ('variant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='journeys.journeyvariant', verbose_name='variant')),
            ],
            options={
                'verbose_name': 'split assignment',
                'verbose_name_plural': 'split assignments',
                'constraints': [models.UniqueConstraint(fields=('node', 'member'), name='journey_split_assignment_once')],
            },
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
