"""Model rows read and written with hand-written SQL, without the ORM's query compiler.

For the few statements every integration-API request makes (its API key, the order's member, the member's
account lock, the order's rows and the stored idempotent response): building a queryset or a save and
compiling its SQL costs several times the round trip to PostgreSQL for a one-row statement (see
BENCHMARKS.md, "Integration API"). The instances are the ORM's own (`Model.from_db`, with each field's
database converters applied; writes use each field's `pre_save` and `get_db_prep_save`, and send
pre_save/post_save when anything listens), so callers cannot tell the difference, and the statements go
through Django's cursor (query logging, CaptureQueriesContext, connection handling). Everywhere else, use
the ORM.
"""
from functools import lru_cache

from django.db import connections
from django.db.models.expressions import DatabaseDefault
from django.db.models.signals import post_save, pre_save


@lru_cache(maxsize=None)
def _columns(model, vendor: str, alias: str, offset: int = 0):
    """(the model's columns for a SELECT list, their attnames, each column's converters by its index in a row)."""
    connection = connections[alias]
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.db_table)}.{quote(field.column)}" for field in fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            converters.append((offset + index, column, functions))
    return columns, [field.attname for field in fields], converters


@lru_cache(maxsize=None)
def _select(model, vendor: str, alias: str):
    columns, names, converters = _columns(model, vendor, alias)
    return f"SELECT {columns} FROM {connections[alias].ops.quote_name(model._meta.db_table)}", names, converters


def _converted(row, converters, connection) -> list:
    values = list(row)
    for index, column, functions in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return values


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
    return [model.from_db(using, names, _converted(row, converters, connection)) for row in rows]


def model_row(model, where: str, params, *, lock: bool = False, using: str = "default"):
    """The one instance matching `where` (a unique key), or None."""
    found = model_rows(model, where, params, lock=lock, limit=1, using=using)
    return found[0] if found else None


@lru_cache(maxsize=None)
def _select_with_one(model, one: str, vendor: str, alias: str):
    quote = connections[alias].ops.quote_name
    relation = model._meta.get_field(one)  # a reverse one-to-one (OneToOneRel)
    related, table, related_table = relation.related_model, model._meta.db_table, relation.related_model._meta.db_table
    columns, names, converters = _columns(model, vendor, alias)
    related_columns, related_names, related_converters = _columns(related, vendor, alias, len(names))
    sql = (f"SELECT {columns}, {related_columns} FROM {quote(table)} LEFT JOIN {quote(related_table)} "
           f"ON {quote(related_table)}.{quote(relation.field.column)} = {quote(table)}.{quote(model._meta.pk.column)}")
    pk_index = len(names) + related_names.index(related._meta.pk.attname)
    return sql, names, related_names, converters + related_converters, relation, pk_index


def model_rows_with_one(model, one: str, where: str, params, *, limit: int | None = None, using: str = "default"):
    """`model_rows` with each instance's reverse one-to-one `one` read in the same statement (LEFT JOIN) and cached,
    as `select_related(one)` would: reading it gives the related instance, or raises DoesNotExist when it has none."""
    connection = connections[using]
    sql, names, related_names, converters, relation, pk_index = _select_with_one(model, one, connection.vendor, using)
    sql += f" WHERE {where}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    instances = []
    for row in rows:
        values = _converted(row, converters, connection)
        instance = model.from_db(using, names, values[:len(names)])
        other = None if values[pk_index] is None else relation.related_model.from_db(
            using, related_names, values[len(names):])
        relation.set_cached_value(instance, other)
        if other is not None:
            relation.field.set_cached_value(other, instance)
        instances.append(instance)
    return instances


@lru_cache(maxsize=None)
def _insert(model, alias: str, conflict: tuple[str, ...]):
    """(INSERT INTO … head, one row's placeholders, the ON CONFLICT … RETURNING tail, the fields written)."""
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) VALUES "
    row = f"({', '.join(['%s'] * len(fields))})"
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(quote(meta.get_field(name).column) for name in conflict)}) DO NOTHING"
    if meta.auto_field is not None:
        tail += f" RETURNING {quote(meta.auto_field.column)}"
    return head, row, tail, fields


def model_insert(instance, *, conflict: tuple[str, ...] = (), using: str = "default") -> bool:
    """INSERT `instance` as `instance.save(force_insert=True)` would, in one statement; True if written.

    `conflict`: the fields of a unique constraint; a row that already has those values is left alone
    (ON CONFLICT … DO NOTHING: a parallel insert waits for the other transaction, then does nothing) and
    False is returned, with the instance unsaved. The primary key is set on the instance when written.
    """
    model, connection = type(instance), connections[using]
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35: it locks the whole file anyway
        if conflict and model._default_manager.using(using).filter(
                **{name: getattr(instance, name) for name in conflict}).exists():
            return False
        instance.save(force_insert=True, using=using)
        return True
    head, row_sql, tail, fields = _insert(model, using, tuple(conflict))
    values = [field.pre_save(instance, True) for field in fields]
    if any(isinstance(value, DatabaseDefault) for value in values):  # a db_default left to the database
        instance.save(force_insert=True, using=using)
        return True
    if pre_save.has_listeners(model):
        pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    values = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    auto_field = model._meta.auto_field
    with connection.cursor() as cursor:
        cursor.execute(head + row_sql + tail, values)
        if auto_field is not None:
            row = cursor.fetchone()
            if row is None:
                return False
            setattr(instance, auto_field.attname, row[0])
        elif cursor.rowcount == 0:
            return False
    instance._state.adding, instance._state.db = False, using
    if post_save.has_listeners(model):
        post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using)
    return True


def models_insert(instances: list, *, using: str = "default") -> list:
    """`Model.objects.bulk_create(instances)` (one model, no conflicts) as one hand-written multi-row INSERT;
    sets each instance's primary key. Like bulk_create, it sends no signals."""
    if not instances:
        return instances
    model, connection = type(instances[0]), connections[using]
    head, row_sql, tail, fields = _insert(model, using, ())
    values = [[field.pre_save(instance, True) for field in fields] for instance in instances]
    auto_field = model._meta.auto_field
    if (auto_field is None or not connection.features.can_return_rows_from_bulk_insert
            or len(instances) * len(fields) > 30_000  # SQLite's and PostgreSQL's limits on parameters: bulk_create batches
            or any(isinstance(value, DatabaseDefault) for row in values for value in row)):
        return model._default_manager.using(using).bulk_create(instances)
    params = [field.get_db_prep_save(value, connection) for row in values for field, value in zip(fields, row, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row_sql] * len(instances)) + tail, params)
        ids = cursor.fetchall()
    for instance, (pk,) in zip(instances, ids, strict=True):
        setattr(instance, auto_field.attname, pk)
        instance._state.adding, instance._state.db = False, using
    return instances


@lru_cache(maxsize=None)
def _update(model, alias: str, names: tuple[str, ...]):
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", fields


def model_update(instance, update_fields: list[str], *, using: str = "default") -> None:
    """UPDATE the saved `instance`'s `update_fields` by its primary key, as `save(update_fields=…)` would
    (auto_now fields named there are stamped; pre_save/post_save are sent when anything listens)."""
    model, connection = type(instance), connections[using]
    sql, fields = _update(model, using, tuple(update_fields))
    frozen = frozenset(update_fields)
    if pre_save.has_listeners(model):
        pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=frozen)
    values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk])
    if post_save.has_listeners(model):
        post_save.send(sender=model, instance=instance, created=False, update_fields=frozen, raw=False, using=using)


@lru_cache(maxsize=None)
def _update_where(model, alias: str, names: tuple[str, ...], where: str):
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {where}", fields


def rows_update(model, values: dict, where: str, params, *, using: str = "default") -> int:
    """`Model.objects.filter(…).update(**values)` for a hand-written WHERE: each value prepared by its field
    (JSON, UUIDs, times), no signals (as `update()`). Returns the number of rows updated."""
    connection = connections[using]
    sql, fields = _update_where(model, using, tuple(values), where)
    prepared = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prepared, *params])
        return cursor.rowcount
