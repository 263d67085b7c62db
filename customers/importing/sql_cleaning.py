"""Cleaning a large batch inside PostgreSQL: the raw text cells COPY'd into a staging table, converted there.

The Python path cleans each cell with the schema's parser (`RowSchema.clean`), which caps an import at a few
thousand rows a second. Here a batch of raw rows is COPY'd as text into a temporary table, and one INSERT … SELECT
converts every row whose cells all have a shape the SQL counterparts (`sql_cells`) read exactly into the typed
stage the writer upserts from. The few rows left (a bad cell, or a form only Python reads, such as a time with an
offset) are cleaned by `RowSchema.clean` as on the Python path and appended to the stage, so a bad row is reported
by the same code with the same line, column and reason. The file-wide checks (`importer.accept`: duplicates, an
order's rows kept together) then run in file order over the good rows, as they do on the Python path.
"""
from django.conf import settings

from .report import RowError
from .schema import Row, RowRejected
from .sql_cells import PYTHON_WHITESPACE
from .upsert import BatchOutcome


def sql_cleaning_wanted(importer, connection) -> bool:
    """Whether the runner should hand `importer` raw batches (PostgreSQL, and an importer that can take them)."""
    return connection.vendor == "postgresql" and getattr(importer, "cleans_in_sql", False)


def raw_batch_write(importer, rows) -> BatchOutcome:
    """Write a batch of raw rows: cleaned in SQL (`importer.write_raw`) when it has at least
    settings.IMPORT_COPY_MIN_ROWS rows, else cleaned here row by row and written by `importer.write`."""
    if len(rows) >= settings.IMPORT_COPY_MIN_ROWS:
        return importer.write_raw(rows)
    errors, cleaned = [], []
    for row in rows:
        try:
            cleaned.append(importer.accept(importer.schema.clean(row.line, row.values)))
        except RowRejected as rejected:
            errors.extend(rejected.errors)
    outcome = importer.write(cleaned) if cleaned else BatchOutcome()
    outcome.errors[:0] = errors
    return outcome


def sql_clean(cursor, *, schema, rows, stage: str, extra_columns=()) -> list[RowError]:
    """Fill the temporary table `stage` (line, one typed column per schema column, `extra_columns`) with the good
    rows of `rows` (Row objects holding raw text) and answer the bad rows' errors, in line order. `fast` says
    which rows SQL converted; the others were cleaned by Python.

    Columns the header leaves out hold their default (`Column.empty`), as `row.values.get(name, default)` does on
    the Python path. The stage and the raw table are dropped at the end of the transaction.
    """
    raw = f"{stage}_raw"
    present = {column.name for column in schema.present}
    columns = list(schema.columns.values())
    names = [column.name for column in columns if column.name in present]
    _create(cursor, raw, [("line", "integer"), *((f"c{n}", "text") for n in range(len(names)))])
    with cursor.copy(f"COPY {raw} FROM STDIN") as copy:
        for row in rows:
            values = row.values
            copy.write_row([row.line, *(values[name] for name in names)])

    typed = [(column.name, _sql_type(column)) for column in columns]
    _create(cursor, stage, [("line", "integer"), ("fast", "boolean"), *typed, *extra_columns])
    params = {"whitespace": PYTHON_WHITESPACE, "shop_zone": settings.SHOP_TIME_ZONE}
    stripped, prepared, accepted, converted = [], [], [], []
    for n, column in enumerate(columns):
        # A required column's empty cell is a bad row, so its default is never stored; "" is no typed value.
        untyped = column.empty == "" and _sql_type(column) != "text"
        params[f"empty{n}"] = None if column.required or untyped else column.empty
        empty = f"%(empty{n})s::{_sql_type(column)}"
        if column.name not in present:
            converted.append(empty)
            continue
        cell = column.sql_cell
        index = names.index(column.name)
        stripped.append(f"btrim(r.c{index}, %(whitespace)s) AS v{n}")
        prepared.append(f"{cell.prepare.replace('{v}', f'v.v{n}') if cell else 'NULL'} AS p{n}")
        fast = f"coalesce({cell.accepts.replace('{p}', f'p.p{n}')}, false)" if cell else "false"
        accepted.append(f"(v.v{n} <> '' AND {fast})" if column.required else f"(v.v{n} = '' OR {fast})")
        value = cell.value.replace("{p}", f"p.p{n}") if cell else "NULL"
        converted.append(f"CASE WHEN v.v{n} = '' THEN {empty} WHEN f.fast THEN {value} END")
    # OFFSET 0 keeps each step a step: inlined, every use of a cell would strip it and match its regex again. Each
    # row's steps differ, so memoizing them only costs (a third of the statement's time when measured).
    cursor.execute("SET LOCAL enable_memoize = off")
    cursor.execute(
        f"""INSERT INTO {stage} (line, fast, {", ".join(name for name, _type in typed)})
        SELECT r.line, f.fast, {", ".join(converted)}
        FROM {raw} r
        CROSS JOIN LATERAL (SELECT {", ".join(stripped) or "1"} OFFSET 0) v
        CROSS JOIN LATERAL (SELECT {", ".join(prepared) or "1"} OFFSET 0) p
        CROSS JOIN LATERAL (SELECT {" AND ".join(accepted) or "true"} AS fast OFFSET 0) f""",
        params,
    )
    # The rows SQL did not read: cleaned by the schema as on the Python path, the good ones staged as cleaned.
    cursor.execute(
        f"SELECT r.* FROM {raw} r JOIN {stage} s USING (line) WHERE NOT s.fast ORDER BY r.line"
    )
    leftovers = cursor.fetchall()
    errors, cleaned = [], []
    for line, *cells in leftovers:
        try:
            cleaned.append(schema.clean(line, dict(zip(names, cells))))
        except RowRejected as rejected:
            errors.extend(rejected.errors)
    if leftovers:
        cursor.execute(f"DELETE FROM {stage} WHERE NOT fast")
        with cursor.copy(f"COPY {stage} (line, fast, {', '.join(name for name, _type in typed)}) FROM STDIN") as copy:
            for row in cleaned:
                copy.write_row([row.line, False, *(row.values.get(column.name, column.empty) for column in columns)])
    return errors


def accept_in_order(importer, rows, rejected_lines: set, key_columns) -> list[RowError]:
    """Run `importer.accept` over the rows not already rejected, in file order, as the Python path does after
    cleaning; answers the errors. `key_columns` are the columns `accept` reads (plain text, stripped as cleaned)."""
    errors = []
    for row in rows:
        if row.line in rejected_lines:
            continue
        try:
            importer.accept(Row(row.line, {name: row.values[name].strip() for name in key_columns}))
        except RowRejected as rejected:
            errors.extend(rejected.errors)
    return errors


def stage_discard(cursor, stage: str, lines) -> None:
    if lines:
        cursor.execute(f"DELETE FROM {stage} WHERE line = ANY(%s)", [sorted(lines)])


def _sql_type(column) -> str:
    cell = column.sql_cell
    return cell.sql_type if cell else "text"


def _create(cursor, table: str, columns) -> None:
    definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
    # Dropped first too: inside an outer transaction (a test, a caller's atomic) the last batch's table is still there.
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ({definition}) ON COMMIT DROP")
