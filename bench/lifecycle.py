"""Benchmark: lifecycle recompute on the demo dataset against the floor of one aggregate pass.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_bench python bench/lifecycle.py [--as-of YYYY-MM-DD]

Reports, in one run: the floor (one bare GROUP BY member pass over all orders), a first full stage
assignment (lifecycle tables emptied first), and the daily recompute of the next day. It empties
the lifecycle tables of that database before it starts, and leaves the first two days' results.
"""
import argparse
import datetime as dt
from _common import floor_pass, timed  # sets Django up

from django.db import connection  # noqa: E402

from core.timezones import shop_today  # noqa: E402
from lifecycle.services import lifecycle_recompute  # noqa: E402

FLOOR_SQL = "SELECT COUNT(*) FROM (SELECT member_id, COUNT(*), MAX(created_at) FROM loyalty_order GROUP BY member_id) s"




def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="First day (default today).")
    args = parser.parse_args()
    as_of = args.as_of or shop_today()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE lifecycle_stagetransition, lifecycle_memberlifecycle")
        cursor.execute("SELECT COUNT(*) FROM customers_member")
        members = cursor.fetchone()[0]

    floor_seconds, groups = floor_pass(FLOOR_SQL)
    first_seconds, first = timed(lambda: lifecycle_recompute(as_of=as_of))
    daily_seconds, daily = timed(lambda: lifecycle_recompute(as_of=as_of + dt.timedelta(days=1)))

    print(f"members: {members:,}; members with orders: {groups:,}; database {connection.settings_dict['NAME']}")
    print(f"floor (one GROUP BY member pass over all orders): {floor_seconds:.2f} s")
    print(f"first full assignment for {as_of}: {first_seconds:.2f} s, {first.moved:,} members placed "
          f"(target <= 60 s)")
    print(f"daily recompute for {as_of + dt.timedelta(days=1)}: {daily_seconds:.2f} s, {daily.moved:,} moved "
          f"({daily.moved / members:.1%}); {daily_seconds / floor_seconds:.2f}x the floor (target <= 4x)")


if __name__ == "__main__":
    main()
