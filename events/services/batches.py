"""Built-in events from a query's rows, in chunks: a pass over a million members records its events set-based
without holding them all in memory at once."""
from itertools import islice

from .builtin import events_record_many

CHUNK = 10_000


def events_record_rows(*, type_key: str, rows) -> int:
    """Record (event_id, member_id, occurred_at, properties) rows from any iterable, CHUNK per statement.
    Returns how many were new."""
    iterator, recorded = iter(rows), 0
    while chunk := list(islice(iterator, CHUNK)):
        recorded += len(events_record_many(type_key=type_key, rows=chunk))
    return recorded
