"""Many calls at the same moment, each on its own database connection: the concurrency tests' one harness."""
import threading

from django.db import connection


def run_at_once(count: int, work) -> list:
    """Call `work(index)` for each index below `count`, on as many threads released together by a barrier.

    Every thread uses (and then closes) its own connection, so on PostgreSQL the calls really race; the tests
    that use this need `transaction=True`. Returns, in index order, what each call returned or the exception
    it raised, so a test can count successes and refusals and assert that nothing else went wrong.
    """
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(index):
        try:
            barrier.wait()
            outcomes[index] = work(index)
        except Exception as exc:  # returned to the test, which decides what is expected
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def errors_of(outcomes: list, *expected: type[Exception]) -> list[Exception]:
    """The outcomes that are exceptions other than the `expected` kinds (a test asserts this is empty)."""
    return [o for o in outcomes if isinstance(o, Exception) and not (expected and isinstance(o, expected))]
