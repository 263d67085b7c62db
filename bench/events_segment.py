"""Benchmark: the segment condition "did cart_updated at least 2 times in the last 30 days" over a large events
table (issue 17: 50 million events, 1,000,000 members, under 5 s).

    python bench/events_segment.py [--database loyalty_events_segment_bench] [--members 1000000]
                                   [--events 50000000] [--chunk 2000000] [--runs 3] [--explain]

Builds its own PostgreSQL database (created if missing, migrated, so the events table is the app's monthly
partitioned one with the partitions the migration makes), then fills it in SQL only: members with one
`INSERT … SELECT generate_series`, events with `INSERT … SELECT generate_series` in chunks of `--chunk` rows
(the parent table's secondary indexes dropped during the load and created again after it, with the app's own
definitions, which is how a bulk load is done and costs the same index in the end), then `VACUUM (ANALYZE)`
(the visibility map lets the count use index-only scans, as autovacuum would give a live table). A database that
already holds the asked numbers is reused (nothing regenerated).

The events: spread evenly over the retention window (EVENTS_RETENTION_MONTHS back to now), 5 % anonymous (no
member), member activity skewed (a few very active members, many quiet ones: member = M·u^1.6), types by weight
(product_viewed 45 %, cart_updated 15 %, app_opened 15 %, order_completed 5 %, points_earned 5 %, messages 15 %),
a cart's `value` in its properties. Then it times the count the segment builder shows (segments.selectors.
segment_preview: the project's compiled rule, count and a sample) `--runs` times after one warm-up, and with
`--explain` prints the plan (EXPLAIN ANALYZE, BUFFERS) of the count.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPE_WEIGHTS = {"product_viewed": 45, "cart_updated": 15, "app_opened": 15, "order_completed": 5,
                "points_earned": 5, "message_delivered": 8, "message_opened": 5, "message_clicked": 2}
RULE = {"type": "did_event", "event_type": "cart_updated", "within_days": 30, "min_count": 2}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="loyalty_events_segment_bench")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--chunk", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    return parser.parse_args()


def database_prepare(args) -> None:
    """Create the database if missing and migrate it (a child process, as `manage.py migrate`)."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            admin.execute(f'CREATE DATABASE "{args.database}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=os.environ.copy())


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def members_fill(cursor, wanted: int) -> None:
    cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM customers_member")
    have, top = cursor.fetchone()
    if have >= wanted:
        log(f"members: {have:,} already")
        return
    started = time.monotonic()
    cursor.execute("""
        INSERT INTO customers_member (external_id, email, phone, card_number, first_name, last_name, gender, region,
            city, timezone, registered_at, registration_channel, referral_code, personal_data_consent, email_consent,
            sms_consent, push_consent, preferred_channel, attributes, created_at, updated_at)
        SELECT 'ES' || n, 'es' || n || '@example.com', '', '', 'Имя', '', '', '', '', 'Europe/Moscow',
               now() - interval '2 years', 'web', 'ES' || n, true, true, false, false, '', '{}', now(), now()
          FROM generate_series(%s::bigint, %s::bigint) n ON CONFLICT DO NOTHING""", [top + 1, top + wanted - have])
    log(f"members: +{cursor.rowcount:,} in {time.monotonic() - started:.0f} s")


def events_fill(cursor, args) -> None:
    from events.models import EventType
    from events.services.partitions import event_partitions_ensure, retention_cutoff

    cursor.execute("SELECT count(*) FROM events_event")
    have = cursor.fetchone()[0]
    if have >= args.events:
        log(f"events: {have:,} already")
        return
    event_partitions_ensure()  # every month from the retention cutoff to the months ahead, as the beat task does
    type_ids = dict(EventType.objects.filter(key__in=TYPE_WEIGHTS).values_list("key", "pk"))
    weighted = [type_ids[key] for key, weight in TYPE_WEIGHTS.items() for _ in range(weight)]
    cart = type_ids["cart_updated"]
    cursor.execute("SELECT min(id), max(id) FROM customers_member")
    first_member, last_member = cursor.fetchone()
    cursor.execute("""SELECT indexname, indexdef FROM pg_indexes
                       WHERE tablename = 'events_event' AND indexname <> 'events_event_pkey'""")
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')  # the partitions' copies go with the parent's index
    log(f"events: loading {args.events - have:,} rows ({', '.join(name for name, _ in indexes)} dropped for the load)")
    window_start = retention_cutoff()
    started, done = time.monotonic(), have
    while done < args.events:
        upto = min(done + args.chunk, args.events)
        cursor.execute("""
            INSERT INTO events_event (source, event_id, type_id, member_id, anonymous_id, occurred_at, received_at,
                                      properties)
            SELECT 'bench', 'b' || x.g, x.type_id,
                   CASE WHEN x.anonymous THEN NULL ELSE %(first)s + floor(power(x.r_member, 1.6) * %(span)s)::bigint END,
                   CASE WHEN x.anonymous THEN 'anon-' || (x.g %% 500000) ELSE '' END,
                   x.at, x.at,
                   CASE WHEN x.type_id = %(cart)s THEN jsonb_build_object('value', floor(x.r_value * 9000)::int)
                        ELSE '{}'::jsonb END
              FROM (SELECT g, (%(types)s::bigint[])[1 + floor(random() * %(n_types)s)::int] AS type_id,
                           random() < 0.05 AS anonymous, random() AS r_member, random() AS r_value,
                           %(start)s::timestamptz + random() * (now() - %(start)s::timestamptz) AS at
                      FROM generate_series(%(low)s::bigint, %(high)s::bigint) g) x
        """, {"first": first_member, "span": last_member - first_member + 1, "cart": cart, "low": done + 1,
              "high": upto, "types": weighted, "n_types": len(weighted), "start": window_start})
        done = upto
        rate = (done - have) / (time.monotonic() - started)
        log(f"events: {done:,} of {args.events:,} ({rate:,.0f} rows/s)")
    for name, definition in indexes:
        index_started = time.monotonic()
        # pg_indexes shows a partitioned index as `ON ONLY` the parent; built so, no partition would get one
        cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        log(f"index {name}: {time.monotonic() - index_started:.0f} s")
    log(f"events: loaded and indexed in {time.monotonic() - started:.0f} s")


def analyse(cursor) -> None:
    started = time.monotonic()
    cursor.execute("VACUUM (ANALYZE) events_event")
    cursor.execute("VACUUM (ANALYZE) customers_member")
    log(f"vacuum analyze: {time.monotonic() - started:.0f} s")


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    database_prepare(args)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import timed  # noqa: E402  (sets Django up on the database above)

    from django.db import connection

    from segments.rules import rules_validate
    from segments.selectors import rules_members, segment_preview

    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM cannot run in a transaction; each chunk commits on its own
    with connection.cursor() as cursor:
        members_fill(cursor, args.members)
        events_fill(cursor, args)
        analyse(cursor)
        cursor.execute("SELECT count(*) FROM customers_member")
        members = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM events_event")
        events = cursor.fetchone()[0]
        cursor.execute("""SELECT pg_size_pretty(sum(pg_total_relation_size(i.inhrelid)))
                            FROM pg_inherits i WHERE i.inhparent = 'events_event'::regclass""")
        size = cursor.fetchone()[0]
    log(f"dataset: {members:,} members, {events:,} events ({size} with indexes)")
    rules = rules_validate(RULE)
    if args.explain:
        print(rules_members(rules).explain(analyze=True, buffers=True), flush=True)
    warm, preview = timed(lambda: segment_preview(rules))
    log(f"warm-up: {warm:.2f} s, {preview['count']:,} members")
    seconds = []
    for run in range(args.runs):
        elapsed, preview = timed(lambda: segment_preview(rules))
        seconds.append(elapsed)
        log(f"run {run + 1}: {elapsed:.2f} s, {preview['count']:,} members")
    log(f"did cart_updated >= 2 times in 30 days: median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
        f"over {members:,} members and {events:,} events (target < 5 s)")


if __name__ == "__main__":
    main()
