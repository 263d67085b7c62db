"""Model instances from one hand-written WHERE clause, without the ORM's query compiler.

For the few reads every integration-API request makes (its API key, the order's member, the member's account
lock): building a queryset and compiling its SQL costs several times the round trip to PostgreSQL for a
one-row primary-key-like read (see BENCHMARKS.md, "Integration API"). The instances are the ORM's own
(`Model.from_db`, with each field's database converters applied), so callers cannot tell the difference, and
the statements go through Django's cursor (query logging, CaptureQueriesContext, connection handling).
Everywhere else, use the ORM.
"""
from functools import lru_cache

from django.db import connections


@lru_cache(maxsize=None)
def _select(model, vendor: str, alias: str):
    connection = connections[alias]
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.db_table)}.{quote(field.column)}" for field in fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    return f"SELECT {columns} FROM {quote(model._meta.db_table)}", [field.attname for field in fields], converters


def model_rows(model, where: str, params, *, lock: bool = False, limit: int | None = None, using: str = "default"):
    """Instances of `model` whose rows match `where` (SQL with %s placeholders for `params`).

    `lock`: FOR UPDATE where the database has it (the caller holds a transaction), as `select_for_update()`.
    """
    connection = connections[using]
    select, names, converters = _select(model, connection.vendor, using)
    sql = f"{select} WHERE {where}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    instances = []
    for row in rows:
        values = list(row)
        for index, column, functions in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        instances.append(model.from_db(using, names, values))
    return instances


def model_row(model, where: str, params, *, lock: bool = False, using: str = "default"):
    """The one instance matching `where` (a unique key), or None."""
    found = model_rows(model, where, params, lock=lock, limit=1, using=using)
    return found[0] if found else None
