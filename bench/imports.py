"""Time import_members (with consent columns and phones in mixed forms), import_orders and import_order_lines on
generated files, then the post-import refresh (statistics, RFM, stages, CLV) on its own, then a second (no-op) run.

    DATABASE_URL=postgres://... .venv/bin/python bench/imports.py --members 50000 --orders 100000
    # issue #14's target: 1M members, 10M orders, 20M lines in at most 15 minutes on PostgreSQL (--full is
    # --members 1000000 --orders 10000000 --lines-per-order 2 --batch-size 50000 --once; files take ~3 GB)
    createdb -h 127.0.0.1 -U postgres loyalty_bench_imports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_bench_imports .venv/bin/python bench/imports.py --full --workers 2

Writes the CSV files to a temporary directory (deleted afterwards; --directory keeps them, --generate-only stops
there and --reuse imports files an earlier run wrote, so the timed run on a quiet host does not wait for them),
migrates the database DATABASE_URL names and imports them into that database, so point it at a scratch database: the members and
orders stay there. The load is timed per file; the refresh that follows an import (normally queued on the worker)
is run and timed separately (--no-refresh skips it).
"""
import argparse
import collections
import contextlib
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["ANALYTICS_REFRESH_AFTER_IMPORT"] = "false"  # the refresh is timed on its own, after the load

import django  # noqa: E402

django.setup()

from django.core.management import CommandError, call_command  # noqa: E402
from django.db import connection  # noqa: E402


def generate(directory: Path, members: int, orders: int, lines_per_order: int, seed: int):
    rng = random.Random(seed)
    with (directory / "members.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["external_id", "email", "phone", "first_name", "gender", "birth_date", "city", "registered_at",
                         "consent:personal_data", "consent:email", "consent:sms"])
        for n in range(members):
            # phones as typed into a till or a form, and a third with none;
            # consents as retailers' files hold them: the time it was given, yes/no, or never asked (empty)
            digits = f"9{n:09d}"
            phone = rng.choice([f"+7{digits}", f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}",
                                f"+7 {digits[:3]} {digits[3:]}", ""])
            writer.writerow([f"B{n:08d}", f"b{n}@example.com", phone, "Anna", rng.choice("fm"),
                             f"19{rng.randint(50, 99)}0{rng.randint(1, 9)}15", "Москва", "2023-01-10 12:00:00",
                             "2023-01-10 12:00:00", rng.choice(["да", "нет", "2023-02-01 09:30:00"]),
                             rng.choice(["1", "0", ""])])
    with (directory / "orders.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["external_id", "member_external_id", "created_at", "status", "total", "currency", "channel", "store"])
        for n in range(orders):
            writer.writerow([f"BO{n:09d}", f"B{rng.randrange(members):08d}", f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:00:00",
                             "completed", f"{rng.randint(100, 9000)}.50", "RUB", "store", "S1"])
    with (directory / "lines.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["order_external_id", "sku", "product_name", "category", "quantity", "unit_price"])
        for n in range(orders):
            for sku in rng.sample(range(2000), lines_per_order):
                writer.writerow([f"BO{n:09d}", f"SKU{sku:05d}", f"Product {sku}", f"Category {sku % 40}", "1", "99.90"])


class StatementTimes:
    """Wall time per SQL statement (by its first words) of one command, from Django's execute wrapper; the COPYs
    run outside it and show in the rest."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.calls = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split())[:70]
            self.seconds[key] += time.monotonic() - started
            self.calls[key] += 1

    def report(self, total):
        for key, seconds in self.seconds.most_common(8):
            print(f"    {seconds:7.1f} s {self.calls[key]:6d}x  {key}", flush=True)
        print(f"    {total - sum(self.seconds.values()):7.1f} s  the rest (reading, Python, COPY)", flush=True)


def database_cpu() -> float:
    """CPU seconds the PostgreSQL backend serving this process has used (it runs on this machine): on a shared host
    CPU time says more than wall time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(command, path, rows, batch_size, workers, statements=False):
    started, times = time.monotonic(), StatementTimes()
    process_started, database_started = time.process_time(), database_cpu()
    try:
        with connection.execute_wrapper(times) if statements else contextlib.nullcontext():
            call_command(command, str(path), "--batch-size", str(batch_size), "--workers", str(workers),
                         stderr=open(os.devnull, "w"))
    except (SystemExit, CommandError) as exc:
        print(f"{command}: {exc}", flush=True)
    seconds = time.monotonic() - started
    print(f"{command:20s} {rows:>9d} rows {seconds:7.1f} s {rows / seconds:9.0f} rows/s "
          f"(CPU: this process {time.process_time() - process_started:.1f} s, its database backend "
          f"{database_cpu() - database_started:.1f} s; load {os.getloadavg()[0]:.1f})",
          flush=True)
    if statements:
        times.report(seconds)


def refresh():
    from analytics.services import member_scores_refresh

    started = time.monotonic()
    result = member_scores_refresh()
    print(f"{'refresh (all members)':20s} {time.monotonic() - started:7.1f} s  stats {result.stats_written}, "
          f"stage moves {result.stage_moves}, CLV {result.clv_members}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--orders", type=int, default=40000)
    parser.add_argument("--lines-per-order", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5000, help="Rows per batch (transaction), as the commands take it.")
    parser.add_argument("--once", action="store_true", help="Skip the second (no-op) run.")
    parser.add_argument("--directory", help="Generate the files here (kept) instead of a temporary directory.")
    parser.add_argument("--reuse", action="store_true",
                        help="With --directory: import the files already there (written by an earlier run with the "
                             "same sizes and seed) instead of writing them again.")
    parser.add_argument("--generate-only", action="store_true",
                        help="With --directory: write the files and stop (no database needed).")
    parser.add_argument("--workers", type=int, default=1, help="Processes cleaning rows, as the commands take it.")
    parser.add_argument("--no-refresh", action="store_true", help="Skip the post-import refresh.")
    parser.add_argument("--statements", action="store_true", help="Print the time each kind of SQL statement took.")
    parser.add_argument("--full", action="store_true", help="Issue #14's size: 1M members, 10M orders, 20M lines, "
                                                             "50,000-row batches, one run.")
    options = parser.parse_args()
    if options.full:
        options.members, options.orders, options.lines_per_order = 1_000_000, 10_000_000, 2
        options.batch_size, options.once = 50_000, True
    if (options.reuse or options.generate_only) and not options.directory:
        parser.error("--reuse and --generate-only need --directory")
    stamp = f"{options.members} {options.orders} {options.lines_per_order} {options.seed}\n"
    with tempfile.TemporaryDirectory() as name:
        directory = Path(options.directory or name)
        stamp_file = directory / "sizes.txt"
        if options.reuse:
            if not stamp_file.exists() or stamp_file.read_text() != stamp:
                parser.error(f"{directory} holds no files of these sizes and seed: run with --generate-only first")
            print(f"files reused from {directory}", flush=True)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            generate(directory, options.members, options.orders, options.lines_per_order, options.seed)
            stamp_file.write_text(stamp)
            print(f"files written in {time.monotonic() - started:.1f} s", flush=True)
            if options.generate_only:
                return
        call_command("migrate", verbosity=0)
        for attempt in ("first run",) if options.once else ("first run", "second run (nothing changes)"):
            print(attempt)
            started = time.monotonic()
            timed("import_members", directory / "members.csv", options.members, options.batch_size, options.workers,
                  options.statements)
            timed("import_orders", directory / "orders.csv", options.orders, options.batch_size, options.workers,
                  options.statements)
            timed("import_order_lines", directory / "lines.csv", options.orders * options.lines_per_order,
                  options.batch_size, options.workers, options.statements)
            print(f"total load {time.monotonic() - started:.1f} s", flush=True)
            if not options.no_refresh:
                refresh()


if __name__ == "__main__":
    main()
