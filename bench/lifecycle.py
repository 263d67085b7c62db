"""Benchmark: lifecycle recompute on the demo dataset against the floor of one aggregate pass.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_bench python bench/lifecycle.py [--as-of YYYY-MM-DD]
        [--range-size N --workers N]

Reports, in one run: the floor (one bare GROUP BY member pass over all orders, measured before and
after the daily recompute), a first full stage assignment (lifecycle tables emptied first), and the
daily recompute of the next day. By default the ranges run one after another in this process; with
--workers N they run N at a time on their own connections, as N Celery workers run the beat task's
fan-out. It empties the lifecycle tables of that database before it starts, and leaves the first two
days' results.
"""
import argparse
import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from _common import floor_pass, timed  # sets Django up

from django.db import connection  # noqa: E402

from core.timezones import shop_today  # noqa: E402
from lifecycle.services import lifecycle_recompute, lifecycle_recompute_range, member_id_ranges  # noqa: E402

# The outer query reads the per-member aggregates; under a bare COUNT(*) PostgreSQL drops them and the
# "pass" becomes an index-only count of member ids that never reads an order.
FLOOR_SQL = ("SELECT COUNT(*), SUM(n), MAX(last) FROM "
             "(SELECT member_id, COUNT(*) AS n, MAX(created_at) AS last FROM loyalty_order GROUP BY member_id) s")


def recompute(as_of: dt.date, range_size: int | None, workers: int) -> int:
    """Members moved; ranges one after another here, or `workers` at a time as Celery workers would."""
    if workers == 1:
        return lifecycle_recompute(as_of=as_of, range_size=range_size).moved

    def one(id_range):
        try:
            return lifecycle_recompute_range(as_of=as_of, id_range=id_range)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(sum(pool.map(one, member_id_ranges(range_size)), Counter()).values())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="First day (default today).")
    parser.add_argument("--range-size", type=int, default=None, help="members per range (default: the setting)")
    parser.add_argument("--workers", type=int, default=1, help="ranges recomputed at once (default 1)")
    args = parser.parse_args()
    as_of = args.as_of or shop_today()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE lifecycle_stagetransition, lifecycle_memberlifecycle")
        cursor.execute("SELECT COUNT(*) FROM customers_member")
        members = cursor.fetchone()[0]

    first_seconds, first = timed(lambda: recompute(as_of, args.range_size, args.workers))
    # The machine's speed drifts within minutes: the daily recompute is compared with the mean of the
    # floor measured just before and just after it.
    floor_before, groups = floor_pass(FLOOR_SQL)
    daily_seconds, daily = timed(lambda: recompute(as_of + dt.timedelta(days=1), args.range_size, args.workers))
    floor_after, _ = floor_pass(FLOOR_SQL)
    floor_seconds = (floor_before + floor_after) / 2

    print(f"members: {members:,}; members with orders: {groups:,}; database {connection.settings_dict['NAME']}")
    print(f"floor (one GROUP BY member pass over all orders), before and after the daily recompute: "
          f"{floor_before:.2f} s, {floor_after:.2f} s")
    print(f"first full assignment for {as_of}: {first_seconds:.2f} s, {first:,} members placed "
          f"(target <= 60 s)")
    print(f"daily recompute for {as_of + dt.timedelta(days=1)}: {daily_seconds:.2f} s, {daily:,} moved "
          f"({daily / members:.1%}); {daily_seconds / floor_seconds:.2f}x the floor (target <= 4x)")


if __name__ == "__main__":
    main()
