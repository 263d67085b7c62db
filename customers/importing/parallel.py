"""Cleaning a file's rows in worker processes while the importing process reads, batches and writes.

On a large file the cells' parsers (timestamps, amounts, phones) take most of the importing process's time; with
`workers` > 1 they run in that many forked processes, each cleaning chunks of rows with the same schema, so a
second core cleans while PostgreSQL writes. Rows come back in file order, cleaned exactly as in one process (the
same `RowSchema.clean`, the same RowError per bad cell), so the report and the writes do not change. The workers
never touch the database: they are forked with the schema already bound and only parse text.
"""
import multiprocessing
from collections import deque
from itertools import islice

from .report import RowError
from .schema import RowRejected

CHUNK_ROWS = 2000
_schema = None  # the bound schema, inherited by each forked worker


def _clean(schema, line, raw, problem):
    if problem:
        return line, None, [RowError(line, "*", problem)]
    try:
        return line, schema.clean(line, raw), None
    except RowRejected as rejected:
        return line, None, rejected.errors


def _clean_chunk(chunk):
    return [_clean(_schema, line, raw, problem) for line, raw, problem in chunk]


def _chunks(source):
    iterator = iter(source)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def cleaned_rows(schema, source, *, workers: int = 1):
    """(line, Row or None, [RowError] or None) for each row of `source` ((line, raw, problem) triples), in order."""
    global _schema
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for line, raw, problem in source:  # row by row: a broken line stops the import where it stands
            yield _clean(schema, line, raw, problem)
        return
    _schema = schema
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        # In the file's order, and at most two chunks per worker ahead, so memory stays flat on any file size.
        pending = deque()
        for chunk in _chunks(source):
            pending.append(pool.apply_async(_clean_chunk, (chunk,)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
