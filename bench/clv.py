"""Benchmark: CLV fit and scoring (BG/NBD + Gamma-Gamma) on the CDNOW sample and on the demo dataset.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_bench python bench/clv.py [--as-of YYYY-MM-DD] [--time-unit weeks]

Reports, in one run: (1) the CDNOW sample (2,357 customers, 39-week calibration, weeks), summarised from
analytics/tests/data/CDNOW_sample.txt in memory, fitted and scored, with the estimates beside the published
ones; (2) the floor (one bare GROUP BY member pass over completed orders) and `clv_fit` on the database:
summary query, fit, vectorised scoring, and the bulk write into segments_memberstats, each timed.
Target: the full fit and scoring of 1,000,000 members under 60 s. Needs the analytics migrations applied
(`manage.py migrate`); it overwrites the CLV columns of the member statistics of that database.

The score write is fast only when segments_memberstats' pages have room for the new row versions
(fillfactor 50, segments migration 0005): pages written before that migration are full until the table is
rewritten, which `--rewrite-table` does first (VACUUM FULL, timed apart, not part of the fit). A rerun for
the same day writes nothing; run two consecutive --as-of days to measure a daily run that rewrites every
buyer's scores. The script prints how many of the updates were heap-only (HOT: no index written).
"""
import argparse
import datetime as dt
import platform
import sys
import time
from _common import floor_pass, timed  # sets Django up

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402

from analytics.clv import bgnbd, gamma_gamma  # noqa: E402
from analytics.clv.scoring import ClvModels, score_members  # noqa: E402
from analytics.clv.summary import PurchaseSummary  # noqa: E402
from analytics.services import clv_fit  # noqa: E402
from analytics.tests.cdnow import DATA  # noqa: E402
from core.timezones import shop_today  # noqa: E402

# The outer query reads the per-member aggregates (under a bare COUNT(*) PostgreSQL would drop them).
FLOOR_SQL = ("SELECT COUNT(*), SUM(n), SUM(spent) FROM (SELECT member_id, COUNT(*) AS n, SUM(total) AS spent "
             "FROM loyalty_order WHERE status = 'completed' GROUP BY member_id) s")
PUBLISHED = "r=0.243 alpha=4.414 a=0.793 b=2.426; p=6.25 q=3.74 v=15.44"


def cdnow_summary(end=dt.date(1997, 9, 30)) -> PurchaseSummary:
    days: dict[str, dict[dt.date, float]] = {}
    for line in DATA.read_text().splitlines():
        _, customer, day, _, amount = line.split()
        day = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        if day <= end:
            spends = days.setdefault(customer, {})
            spends[day] = spends.get(day, 0.0) + float(amount)
    rows = []
    for customer, spends in days.items():
        first, last = min(spends), max(spends)
        total = sum(spends.values())
        rows.append((int(customer), len(spends) - 1, (last - first).days, (end - first).days, len(spends), total,
                     total - spends[first]))
    ids, x, recency, age, orders, total, repeat = map(np.array, zip(*rows))
    zeros = np.zeros(len(rows))
    return PurchaseSummary(ids, x.astype(float), recency.astype(float), age.astype(float), orders.astype(float),
                           total, repeat, zeros, zeros, zeros, zeros.astype(bool), zeros.astype(bool))


def bench_cdnow():
    summary = cdnow_summary()
    x, t_x, T = summary.frequency, summary.recency_days / 7, summary.age_days / 7
    fit_seconds, (bg, gg) = timed(lambda: (bgnbd.fit(x, t_x, T), gamma_gamma.fit(x[x > 0], summary.monetary[x > 0])))
    score_seconds, _ = timed(lambda: score_members(summary, ClvModels(bg, gg, "weeks", 1.0)))
    print(f"CDNOW sample: {len(summary):,} customers; fit {fit_seconds:.2f} s, scoring {score_seconds:.3f} s")
    print(f"  BG/NBD r={bg.r:.4f} alpha={bg.alpha:.4f} a={bg.a:.4f} b={bg.b:.4f} LL={bg.log_likelihood:.2f}; "
          f"Gamma-Gamma p={gg.p:.3f} q={gg.q:.3f} v={gg.v:.3f}")
    print(f"  published: {PUBLISHED}")


def table_updates():
    """(updates, heap-only updates) of segments_memberstats so far, once this session's counters are flushed."""
    time.sleep(1.5)  # a session reports its table counters at most once a second, when idle
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'segments_memberstats'")
        return cursor.fetchone()


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="Last day of orders (default today).")
    parser.add_argument("--time-unit", choices=["days", "weeks"], default="weeks")
    parser.add_argument("--rewrite-table", action="store_true",
                        help="VACUUM FULL segments_memberstats first, so every page has its fillfactor's free space.")
    parser.add_argument("--no-store", action="store_true",
                        help="Summary, fit and scoring only: nothing written, no lock on the statistics table.")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}")
    bench_cdnow()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_member")
        members = cursor.fetchone()[0]
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'segments_memberstats'")
        print(f"segments_memberstats storage parameters: {cursor.fetchone()[0]}")
    if args.rewrite_table:
        seconds, _ = timed(lambda: connection.cursor().execute("VACUUM FULL ANALYZE segments_memberstats"))
        print(f"VACUUM FULL segments_memberstats (set-up, not timed below): {seconds:.1f} s")
    floor_seconds, buyers = floor_pass(FLOOR_SQL)
    updates_before = table_updates()
    started = time.monotonic()
    result = clv_fit(as_of=args.as_of or shop_today(), time_unit=args.time_unit, store=not args.no_store)
    total = time.monotonic() - started
    updates, hot = (after - before for after, before in zip(table_updates(), updates_before))
    bg, gg = result.models.bgnbd, result.models.gamma_gamma
    print(f"database {connection.settings_dict['NAME']}: {members:,} members, {buyers:,} with completed orders")
    print(f"floor (one GROUP BY member pass over completed orders): {floor_seconds:.2f} s")
    print(f"fit_clv --time-unit {args.time_unit}{' (not stored)' if args.no_store else ''}: {total:.2f} s in all (target < 60 s): {result.timings}; "
          f"{result.updated:,} statistics rows written ({hot:,} of {updates:,} updates heap-only)")
    print(f"  BG/NBD r={bg.r:.4f} alpha={bg.alpha:.4f} a={bg.a:.4f} b={bg.b:.4f}; "
          + (f"Gamma-Gamma p={gg.p:.3f} q={gg.q:.3f} v={gg.v:.3f}" if gg else "Gamma-Gamma not fitted"))


if __name__ == "__main__":
    main()
