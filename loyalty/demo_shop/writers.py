"""Where generated rows go: COPY on PostgreSQL, executemany elsewhere (SQLite for `make run`)."""
import re

from django.db import connection

# Generated timestamps are ISO text in UTC ("2026-11-23T17:53:27+00:00"): PostgreSQL's COPY reads them as
# they are, but SQLite stores text verbatim and Django compares it with its own "2026-11-23 17:53:27" form.
_UTC_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00:00$")


def _as_django_sqlite(cell):
    if isinstance(cell, str) and (match := _UTC_ISO.match(cell)):
        return f"{match[1]} {match[2]}"
    return cell


class RowWriter:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def write(self, table: str, columns: list[str], rows) -> int:
        written = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        written += 1
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                batch = [tuple(_as_django_sqlite(cell) for cell in row) for row in rows]
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", batch)
                written = len(batch)
        return written

    def fast_session(self) -> None:
        # Demo data can be generated again: trading durability of the last commits for speed is fine.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            return cursor.fetchone()[0]

    def reset_sequences(self, tables: list[str]) -> None:
        """After explicit ids, make the next ORM insert continue after the largest id."""
        if not self.postgres:
            return  # SQLite continues after the largest rowid by itself
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )

    def analyze(self, tables: list[str]) -> None:
        if self.postgres:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")


class BulkLoadMode:
    """Drop secondary indexes and constraints of `tables` while loading, and rebuild them afterwards.

    Maintaining five B-trees and checking foreign keys row by row costs several times more than
    building them once over the loaded rows. Only used on PostgreSQL for large loads; the definitions
    come from the catalogue, so whatever migrations created is restored exactly.
    """

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.constraints: list[tuple[str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self):
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in this transaction would block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                     FROM pg_constraint c
                    WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u', 'c')
                    ORDER BY c.contype DESC""",  # unique before foreign keys on the way back
                [self.tables],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                    WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                [self.tables],
            )
            self.indexes = cursor.fetchall()
            for table, name, _ in self.constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc_info):
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in reversed(self.constraints):
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        return False
