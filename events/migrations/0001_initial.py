"""Event types, receipts (replay safety) and events; on PostgreSQL the events table is partitioned by month.

The Event model's table is created by hand on PostgreSQL (declarative partitioning by RANGE of occurred_at,
primary key (id, occurred_at) as partitioning requires), with the same columns and index names Django
would give it, so the ORM reads and writes it as any other table. SQLite gets the plain table.
"""
import datetime as dt

import django.db.models.deletion
from django.db import migrations, models

PARTITIONED_TABLE = """
CREATE TABLE events_event (
    id bigserial NOT NULL,
    source varchar(32) NOT NULL,
    event_id varchar(64) NOT NULL,
    type_id bigint NOT NULL REFERENCES events_eventtype (id) DEFERRABLE INITIALLY DEFERRED,
    member_id bigint NULL REFERENCES customers_member (id) DEFERRABLE INITIALLY DEFERRED,
    anonymous_id varchar(64) NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    properties jsonb NOT NULL,
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX event_member_type_time ON events_event (member_id, type_id, occurred_at);
CREATE INDEX event_type_time ON events_event (type_id, occurred_at);
CREATE INDEX event_anonymous ON events_event (anonymous_id) WHERE member_id IS NULL AND NOT anonymous_id = '';
"""


class CreatePartitionedOnPostgres(migrations.CreateModel):
    """CreateModel in the state; on PostgreSQL the table is the partitioned one above."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(PARTITIONED_TABLE)
        # The months from a year back to three ahead; the daily beat task keeps creating them from then on.
        today = dt.date.today()
        for back in range(-13, 4):
            index = today.year * 12 + today.month - 1 + back
            month, following = dt.date(index // 12, index % 12 + 1, 1), dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
            schema_editor.execute(
                f"CREATE TABLE IF NOT EXISTS events_event_y{month.year:04d}m{month.month:02d} PARTITION OF events_event "
                f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{following.isoformat()} 00:00:00+00')")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute("DROP TABLE events_event CASCADE")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('customers', '0005_member_erasure'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='What clients send as `type`, e.g. cart_updated.', max_length=64, unique=True, verbose_name='key')),
                ('name', models.CharField(max_length=128, verbose_name='name')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('properties_schema', models.JSONField(blank=True, default=dict, help_text="JSON Schema the event's properties must match; {} accepts any object.", verbose_name='properties schema')),
                ('is_active', models.BooleanField(default=True, help_text='Inactive types are refused on ingest.', verbose_name='active')),
                ('is_builtin', models.BooleanField(default=False, editable=False, help_text='Recorded by the platform itself; clients cannot send it.', verbose_name='built in')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'event type',
                'verbose_name_plural': 'event types',
                'ordering': ['key'],
            },
        ),
        migrations.CreateModel(
            name='EventReceipt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=32)),
                ('event_id', models.CharField(max_length=64)),
                ('received_at', models.DateTimeField()),
            ],
            options={
                'indexes': [models.Index(fields=['received_at'], name='event_receipt_received')],
                'constraints': [models.UniqueConstraint(fields=('source', 'event_id'), name='event_receipt_once')],
            },
        ),
        CreatePartitionedOnPostgres(
            name='Event',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('source', models.CharField(help_text='Who sent it: api:<key id>, member:<id> or platform.', max_length=32)),
                ('event_id', models.CharField(help_text="The sender's id of the event.", max_length=64)),
                ('anonymous_id', models.CharField(blank=True, default='', max_length=64)),
                ('occurred_at', models.DateTimeField()),
                ('received_at', models.DateTimeField()),
                ('properties', models.JSONField(blank=True, default=dict)),
                ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.member')),
                ('type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='events.eventtype')),
            ],
            options={
                'ordering': ['-occurred_at', '-id'],
                'indexes': [models.Index(fields=['member', 'type', 'occurred_at'], name='event_member_type_time'), models.Index(fields=['type', 'occurred_at'], name='event_type_time'), models.Index(condition=models.Q(('member__isnull', True), models.Q(('anonymous_id', ''), _negated=True)), fields=['anonymous_id'], name='event_anonymous')],
            },
        ),
    ]
