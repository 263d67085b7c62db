"""Leave half of every segments_memberstats page free (PostgreSQL only) so that rewriting a member's CLV
scores, which are not indexed, is a heap-only (HOT) update: the new row version goes on the same page and
none of the table's six indexes is written. Only pages written after this (a fresh table, new rows, or a
`VACUUM FULL`/`CLUSTER`) get the free space; existing full pages keep doing non-HOT updates until then."""

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE segments_memberstats SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE segments_memberstats RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('segments', '0004_membership_without_db_checks'),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
