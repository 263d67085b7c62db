"""Benchmark: generate the demo shop on PostgreSQL from scratch and report time and row counts.

    python bench/demo_data.py --members 1000000 [--database loyalty_bench]

Drops and recreates the database, migrates it, runs `generate_demo_data`, and leaves the data in
place for the other benchmarks (segments, lifecycle, clv) to use.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="loyalty_bench")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    psql = ["psql", "-h", args.host, "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run([*psql, "-c", f"DROP DATABASE IF EXISTS {args.database}"], check=True)
    subprocess.run([*psql, "-c", f"CREATE DATABASE {args.database}"], check=True)
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@{args.host}:5432/{args.database}",
           "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)

    started = time.monotonic()
    subprocess.run([*manage, "generate_demo_data", "--members", str(args.members), "--seed", str(args.seed)],
                   check=True, env=env, cwd=ROOT)
    elapsed = time.monotonic() - started

    counts = subprocess.run(
        [*psql, "-d", args.database, "-At", "-F", " ", "-c",
         "SELECT (SELECT count(*) FROM customers_member), (SELECT count(*) FROM loyalty_order), "
         "(SELECT count(*) FROM loyalty_orderline), (SELECT count(*) FROM customers_engagementevent), "
         "(SELECT pg_size_pretty(pg_database_size(current_database())))"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    print(f"generate_demo_data --members {args.members:,}: {elapsed:,.1f} s wall clock "
          f"(members {int(counts[0]):,}, orders {int(counts[1]):,}, lines {int(counts[2]):,}, "
          f"events {int(counts[3]):,}, database {' '.join(counts[4:])})")


if __name__ == "__main__":
    main()
