"""PostgreSQL's fast lane for large batches: good rows COPY'd into a temporary staging table, then checked and
written set-based (INSERT … SELECT … ON CONFLICT) instead of classified row by row and sent as a many-row INSERT.

Cleaning stays where it is (the schema's cell parsers, in Python), so a bad cell is reported exactly as on the
row-by-row path; the writers use this only for batches of at least settings.IMPORT_COPY_MIN_ROWS rows, on
PostgreSQL, and fall back to their ORM path otherwise (SQLite, small files, tests of the other path).
"""
from django.conf import settings
from django.db import connection


def staging_wanted(rows) -> bool:
    return connection.vendor == "postgresql" and len(rows) >= settings.IMPORT_COPY_MIN_ROWS


def staging_load(cursor, table: str, columns: list[tuple[str, str]], rows) -> None:
    """Create the temporary `table` (dropped at the end of the batch's transaction) and COPY `rows` into it.

    `columns` are (name, SQL type); `rows` yields tuples in that order. psycopg 3 adapts each value (Decimal,
    aware datetime, int, str, None) to COPY's text format.
    """
    definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
    # Dropped first too: inside an outer transaction (a test, a caller's atomic) the last batch's table is still there.
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ({definition}) ON COMMIT DROP")
    names = ", ".join(name for name, _type in columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"ANALYZE {table}")  # the joins that follow plan by its real size


def copy_append(model, objects, fields: list[str]) -> None:
    """Append `objects` (unsaved, rows that only ever grow, such as consent proof) to `model`'s table with one
    COPY on PostgreSQL, else bulk_create. Their pks are not set."""
    if not (connection.vendor == "postgresql" and len(objects) >= settings.IMPORT_COPY_MIN_ROWS):
        model.objects.bulk_create(objects, batch_size=2000)
        return
    columns = [model._meta.get_field(name) for name in fields]
    names = ", ".join(connection.ops.quote_name(column.column) for column in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([getattr(obj, column.attname) for column in columns])
