"""Foreign keys whose lookups a composite index leading with them already serves lose their own index (one index
write less per imported order, two per order line).

Only the indexes are dropped: Django's own AlterField would also drop and re-add the foreign keys, which re-checks
every order line under a lock.
"""
import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index Django named for it)
INDEXES = [
    ("loyalty_order", "member_id", "loyalty_order_member_id_fd32ca6a"),
    ("loyalty_orderline", "order_id", "loyalty_orderline_order_id_245a8f26"),
    ("loyalty_orderline", "product_id", "loyalty_orderline_product_id_b24c96dc"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_import_job_progress_name'),
        ('loyalty', '0012_content_translations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {index}", reverse_sql=f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({column})"
                )
                for table, column, index in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='order',
                    name='member',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='customers.member', verbose_name='member'),
                ),
                migrations.AlterField(
                    model_name='orderline',
                    name='order',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='loyalty.order', verbose_name='order'),
                ),
                migrations.AlterField(
                    model_name='orderline',
                    name='product',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='order_lines', to='loyalty.product', verbose_name='product'),
                ),
            ],
        ),
    ]
