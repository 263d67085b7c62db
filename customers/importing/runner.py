"""The import loop: stream, clean, batch, write, report. Never a row at a time against the database."""
import logging
import time

from django.db import connection, transaction

from customers.signals import import_finished

from .parallel import cleaned_rows
from .report import ImportSummary, RowError
from .schema import Row, RowRejected
from .sql_cleaning import raw_batch_write, sql_cleaning_wanted

logger = logging.getLogger("customers.importing")

# Above this many touched members the signal says None ("refresh everyone") instead of a huge id set.
MEMBER_IDS_LIMIT = 100_000


def run_import(*, importer, source, batch_size, errors, progress=None, workers=1) -> ImportSummary:
    """Import every good row of `source` with `importer`, in batches of about `batch_size` rows.

    Each batch is its own transaction, so an interrupted import keeps the batches before it and a
    re-run (the import is idempotent) finishes the job. Bad rows are written to `errors` in line
    order and skipped; the good rows are kept. `import_finished` is sent once, after commit.

    The importer provides: `kind`, `schema`, `accept(row) -> Row` (file-wide checks such as
    duplicates; raises RowRejected), `write(rows) -> BatchOutcome` and `may_split(previous, row)`.
    With `workers` > 1 the rows are cleaned in that many forked processes (parallel.cleaned_rows), with the
    same results. On PostgreSQL, an importer that `cleans_in_sql` (orders, order lines) gets its batches as raw
    text and cleans them in the database (sql_cleaning), with the same results again; `workers` does not apply.
    """
    started = time.monotonic()
    summary = ImportSummary(kind=importer.kind)
    member_ids: set | None = set()
    pending, pending_errors = [], []
    raw_batches = sql_cleaning_wanted(importer, connection)

    def flush():
        nonlocal member_ids
        if pending:
            with transaction.atomic():
                outcome = raw_batch_write(importer, pending) if raw_batches else importer.write(pending)
            summary.created += outcome.created
            summary.updated += outcome.updated
            summary.unchanged += outcome.unchanged
            summary.rejected += len({error.line for error in outcome.errors})
            for name, count in outcome.extra.items():
                summary.add_extra(name, count)
            pending_errors.extend(outcome.errors)
            if member_ids is not None:
                member_ids |= outcome.member_ids
                if len(member_ids) > MEMBER_IDS_LIMIT:
                    member_ids = None
        errors.write(sorted(pending_errors, key=lambda error: error.line))
        pending.clear()
        pending_errors.clear()
        if progress:
            progress(summary)

    if raw_batches:
        for line, raw, problem in source:
            summary.read += 1
            if problem:
                summary.rejected += 1
                pending_errors.append(RowError(line, "*", problem))
                continue
            row = Row(line, raw)
            if len(pending) >= batch_size and importer.may_split(pending[-1], row):
                flush()
            pending.append(row)
        rows = ()
    else:
        rows = cleaned_rows(importer.schema, source, workers=workers)
    for line, row, row_errors in rows:
        summary.read += 1
        try:
            if row_errors:
                raise RowRejected(row_errors)
            row = importer.accept(row)
        except RowRejected as rejected:
            summary.rejected += 1
            pending_errors.extend(rejected.errors)
            continue
        if len(pending) >= batch_size and importer.may_split(pending[-1], row):
            flush()
        pending.append(row)
    flush()

    ids = frozenset(member_ids) if member_ids is not None else None
    transaction.on_commit(lambda: import_finished.send(sender=importer.kind, member_ids=ids, summary=summary))
    logger.info(
        "import_finished kind=%s read=%d created=%d updated=%d unchanged=%d rejected=%d seconds=%.1f",
        summary.kind, summary.read, summary.created, summary.updated, summary.unchanged, summary.rejected,
        time.monotonic() - started,
    )
    return summary

