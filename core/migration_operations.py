"""Migration operations shared by the apps."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex, RunPython
from django.utils import timezone
from django.utils.translation import gettext_noop


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, so a live table keeps taking writes while its index builds;
    a plain CREATE INDEX on SQLite, which has no such option. The migration must set `atomic = False`.

    If a concurrent build fails, PostgreSQL leaves an INVALID index of that name: drop it before running
    the migration again.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def _record_versions(app_label: str, model_names: tuple[str, ...], versions) -> RunPython:
    """RunPython writing, for each model, the history rows `versions(model, historical, copied_fields)` yields as
    (row, history type, change reason), all stamped now and with no user."""

    def forwards(apps, schema_editor):
        now = timezone.now()
        for name in model_names:
            model, historical = apps.get_model(app_label, name), apps.get_model(app_label, f"Historical{name}")
            copied = [f for f in historical._meta.fields if not f.name.startswith("history_")]
            historical.objects.bulk_create([
                historical(**{f.attname: getattr(row, f.attname) for f in copied}, history_date=now,
                           history_type=kind, history_change_reason=reason)
                for row, kind, reason in versions(model, historical, copied)
            ], batch_size=500)

    return RunPython(forwards, RunPython.noop)


def record_existing_versions(app_label: str, *model_names: str) -> RunPython:
    """A first history row ("+", no user) for each row that exists when its configuration history starts.

    Without it the first change to a row made before the upgrade would show no "before" value.
    """

    def versions(model, historical, copied):
        return ((row, "+", gettext_noop("Existed when the history began")) for row in model.objects.all())

    return _record_versions(app_label, model_names, versions)


def record_changed_versions(app_label: str, *model_names: str) -> RunPython:
    """A history row ("~", no user; "+" for a row with none yet) for each row a data migration changed or created,
    i.e. whose newest history row no longer matches it, so the next staff edit shows only what staff changed, and
    the upgrade's change has a row of its own.

    Put it after the data migration's RunPython. Rows that match their newest history row get none.
    """

    def versions(model, historical, copied):
        newest = {}
        for version in historical.objects.order_by("history_date", "history_id"):
            newest[version.id] = version
        for row in model.objects.all():
            if row.pk not in newest:
                yield row, "+", gettext_noop("Changed by an upgrade")
            elif any(getattr(row, f.attname) != getattr(newest[row.pk], f.attname) for f in copied):
                yield row, "~", gettext_noop("Changed by an upgrade")

    return _record_versions(app_label, model_names, versions)
