"""The (type, time) index of events carries the member too (INCLUDE member_id on PostgreSQL): "did X at least N
times in D days" counts per member from the index alone (an index-only scan of that type's window), and the event
triggers, which read the member of each event of a type in a window, skip the table as well.

On PostgreSQL the table is partitioned and takes writes all day, so the index is built without blocking them: an
index ON ONLY the parent (empty, invalid), then each partition's own with CREATE INDEX CONCURRENTLY, attached to
the parent (which turns valid once every partition's is attached), and the old index dropped last. Partitions made
later get it from the parent. SQLite: a plain index.
"""
from django.db import migrations, models

OLD, NEW = "event_type_time", "event_type_time_member"


def _partitions(cursor) -> list[str]:
    cursor.execute("""SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                       WHERE i.inhparent = 'events_event'::regclass ORDER BY c.relname""")
    return [row[0] for row in cursor.fetchall()]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {NEW} ON events_event (type_id, occurred_at)")
            cursor.execute(f"DROP INDEX IF EXISTS {OLD}")
            return
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {NEW} ON ONLY events_event (type_id, occurred_at) INCLUDE (member_id)")
        for partition in _partitions(cursor):
            index = f"{partition}_{NEW}"[:63]
            # A failed earlier run may have left this partition's index INVALID: build it again.
            cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [index])
            found = cursor.fetchone()
            if found is not None and not found[0]:
                cursor.execute(f'DROP INDEX CONCURRENTLY "{index}"')
            cursor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index}" ON "{partition}" '
                           f"(type_id, occurred_at) INCLUDE (member_id)")
            cursor.execute("""SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)
                                AND inhparent = to_regclass(%s)""", [index, NEW])
            if cursor.fetchone() is None:
                cursor.execute(f'ALTER INDEX {NEW} ATTACH PARTITION "{index}"')
        cursor.execute(f"DROP INDEX IF EXISTS {OLD}")


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {OLD} ON events_event (type_id, occurred_at)")
        cursor.execute(f"DROP INDEX IF EXISTS {NEW}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("events", "0004_delivery_and_first_open_types")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="event", name=OLD),
                migrations.AddIndex(model_name="event", index=models.Index(
                    fields=["type", "occurred_at"], include=["member"], name=NEW)),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
