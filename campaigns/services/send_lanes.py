"""Send lanes: the threads of one outbox worker that send a planned batch's messages side by side.

A send mostly waits (SMTP's round trips, a provider's HTTP answer, the commit of its record) while the CPU idles;
lanes overlap those waits. Each lane sends its share of the batch with its own channel back ends (its own SMTP
connection; HTTP goes through the process's pooled client, whose connections a request holds alone) and its own
database connection (Django's are per thread), and records each send as a single worker does. So a worker
killed mid-batch leaves at most one unrecorded send per lane. The calling thread is the first lane: with one,
nothing runs in another thread.
"""
import queue
import threading
from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections


def send_lane_count() -> int:
    """CAMPAIGNS_OUTBOX_SEND_THREADS on PostgreSQL outside a transaction, else one: SQLite writes one at a time, and
    rows of a caller's open transaction (a test's) are invisible to other connections."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.CAMPAIGNS_OUTBOX_SEND_THREADS)


@contextmanager
def relaxed_commits():
    """This thread's connection commits without waiting for the WAL flush (a database crash may forget the last
    fraction of a second of outcomes; those messages are re-sent with their idempotency keys)."""
    if not _relax_commits():
        yield
        return
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _relax_commits() -> bool:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    return True


class SendLanes:
    """`count` lanes: the calling thread and count - 1 threads that live as long as the `with` block and close their
    database connections when it ends."""

    def __init__(self, count: int):
        self.count = count
        self.stop = threading.Event()  # set when a lane fails: the others finish the send in flight and stop
        self.threads = [_LaneThread(n) for n in range(1, count)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for thread in self.threads:
            thread.tasks.put(None)
        for thread in self.threads:
            thread.join()

    def run(self, items: list, work) -> Counter:
        """`work(share, stop)` for each lane's share of `items` (every count-th item), all at once; the sum of the
        Counters they return. Returns or raises (the first lane's error) only when every lane is done."""
        self.stop.clear()
        shares = [items[n::self.count] for n in range(self.count)]
        busy = [thread for thread, share in zip(self.threads, shares[1:]) if share]
        for thread, share in zip(self.threads, shares[1:]):
            if share:
                thread.tasks.put(lambda share=share: work(share, self.stop))
        counts, errors = Counter(), []
        try:
            counts += work(shares[0], self.stop)
        except BaseException as error:
            self.stop.set()
            errors.append(error)
        for thread in busy:
            while True:
                try:
                    result, error = thread.results.get()
                    break
                except BaseException as interrupt:  # a signal (the task's soft time limit) while waiting: stop all
                    self.stop.set()
                    errors.append(interrupt)
            if error is not None:
                self.stop.set()
                errors.append(error)
            else:
                counts += result
        if errors:
            raise errors[0]
        return counts


class _LaneThread(threading.Thread):
    def __init__(self, number: int):
        super().__init__(name=f"outbox-lane-{number}", daemon=True)
        self.tasks, self.results = queue.SimpleQueue(), queue.SimpleQueue()

    def run(self):
        relaxed = False
        try:
            while (task := self.tasks.get()) is not None:
                try:
                    relaxed = relaxed or _relax_commits()  # for the thread's connection's life: closed at the end
                    self.results.put((task(), None))
                except BaseException as error:  # the calling thread raises it
                    self.results.put((None, error))
        finally:
            connections.close_all()
