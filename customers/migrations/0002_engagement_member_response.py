from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    # Engagement events take writes all day (every send, open and click): build the index beside them.
    atomic = False

    dependencies = [
        ('customers', '0001_initial'),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='engagementevent',
            index=models.Index(condition=models.Q(('kind', 'open'), ('kind', 'click'), _connector='OR'), fields=['member', 'occurred_at'], include=('kind', 'channel'), name='engagement_member_response'),
        ),
    ]
