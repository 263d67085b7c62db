"""Benchmark: member statistics + RFM, the micro-segment count, and a refresh of 20 typical segments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_bench python bench/segments.py

Reports, in one run on the demo dataset: the floor (one bare aggregate pass over all orders, measured
before and after each refresh), the statistics and RFM refresh (the first one, which writes every row,
and the next one, which finds nothing changed; --repeat N runs it N times), the micro-segment's count
preview, and full refreshes of 20 typical segments: the first fill, then the next full refresh (every
rule evaluated again and diffed, nothing changed), one segment after another or, with --workers N, N at
a time as N Celery workers would. It replaces the segments tables' contents of that database.
"""
import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from _common import first_value, floor_pass, timed  # sets Django up

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from segments.models import Segment  # noqa: E402
from segments.rules import rules_validate  # noqa: E402
from segments.selectors import segment_preview  # noqa: E402
from segments.services import segment_refresh  # noqa: E402
from segments.stats import member_stats_refresh  # noqa: E402

# The floor: one GROUP BY member over all orders whose per-member count and sum reach the result. Under a
# bare outer COUNT(*) (the first version, kept for comparison) PostgreSQL drops both aggregates and the
# "pass" becomes an index-only count of member ids that never reads an order.
FLOOR_SQL = ("SELECT COUNT(*), SUM(n), SUM(spent) FROM "
             "(SELECT member_id, COUNT(*) AS n, SUM(total) AS spent FROM loyalty_order GROUP BY member_id) s")
INDEX_COUNT_SQL = "SELECT COUNT(*) FROM (SELECT member_id, COUNT(*), SUM(total) FROM loyalty_order GROUP BY member_id) s"


def leaf(type_, **params):
    return {"type": type_, **params}


def all_of(*children):
    return {"type": "group", "op": "and", "children": list(children)}


MICRO_SEGMENT = all_of(
    leaf("member_field", field="gender", op="eq", value="f"), leaf("consent", channel="email"),
    leaf("opened_emails", within_days=30, min_count=1), leaf("stat", field="night_open_share", op="gte", value=0.5),
    leaf("stat", field="purchases_per_month", op="between", value=[0.8, 1.2]),
    leaf("stat", field="avg_order_value", op="between", value=[4000, 6000]),
    leaf("attribute", key="has_children", op="eq", value=True), leaf("attribute", key="pets", op="is_set"),
    leaf("federal_district", districts=["ЦФО"]),
    leaf("stat", field="days_since_last_purchase", op="between", value=[5, 9]),
)
TYPICAL = {
    "women": leaf("member_field", field="gender", op="eq", value="f"),
    "moscow-district": leaf("federal_district", districts=["ЦФО"]),
    "email-consent": leaf("consent", channel="email"),
    "sms-consent": leaf("consent", channel="sms"),
    "champions": leaf("rfm_segment", values=["Чемпионы"]),
    "at-risk-rfm": leaf("rfm_segment", values=["Под угрозой", "Нельзя потерять"]),
    "lost-rfm": leaf("rfm_segment", values=["Потерянные", "В спячке"]),
    "big-spenders": leaf("stat", field="total_spent", op="gte", value=100000),
    "high-average-check": leaf("stat", field="avg_order_value", op="gte", value=6000),
    "monthly-buyers": leaf("stat", field="purchases_per_month", op="between", value=[0.8, 1.2]),
    "lapsed-60-days": leaf("stat", field="days_since_last_purchase", op="gte", value=60),
    "one-time-buyers": leaf("stat", field="orders_count", op="eq", value=1),
    "night-readers": leaf("stat", field="night_open_share", op="gte", value=0.5),
    "parents": leaf("attribute", key="has_children", op="eq", value=True),
    "pet-owners": leaf("attribute", key="pets", op="is_set"),
    "pet-food-60-days": leaf("bought_in_category", categories=["Pet food"], within_days=60),
    "spent-5000-30-days": leaf("spent_in_window", within_days=30, op="gte", value=5000),
    "night-openers-90-days": leaf("opened_emails", within_days=90, min_count=3, night_only=True),
    "young-women": all_of(leaf("member_field", field="gender", op="eq", value="f"), leaf("age", op="between", value=[18, 30])),
    "micro-segment": MICRO_SEGMENT,
}


def refresh_segments(segments, workers):
    """{slug: (entered, left)} of refreshing every segment, each in its own transaction and connection."""
    def one(segment):
        try:
            return segment.slug, segment_refresh(segment=segment)
        finally:
            if workers > 1:
                connection.close()

    if workers == 1:
        return dict(one(segment) for segment in segments)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(one, segments))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1, help="segments refreshed at once (default 1)")
    parser.add_argument("--connections", type=int, default=settings.STATS_REFRESH_CONNECTIONS,
                        help="connections the statistics refresh computes on (default: the setting, %(default)s)")
    parser.add_argument("--stats-only", action="store_true", help="stop after the statistics refresh")
    parser.add_argument("--repeat", type=int, default=1, help="times to run the next (nightly) refresh (default 1)")
    args = parser.parse_args()
    settings.STATS_REFRESH_CONNECTIONS = args.connections
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE segments_memberstats, segments_segmentmembershipchange, segments_segmentmembership, "
                       "segments_segmentsizesnapshot, segments_dirtymember, segments_segment CASCADE")
    # The machine's speed drifts by a fifth or more within minutes, so each refresh is compared with the
    # mean of the floor measured just before and just after it.
    floors = [floor_pass(FLOOR_SQL)[0]]
    index_count_seconds, _ = floor_pass(INDEX_COUNT_SQL)
    refresh_seconds, refresh = timed(member_stats_refresh)
    floors.append(timed(lambda: first_value(FLOOR_SQL))[0])
    again = []
    for _ in range(args.repeat):
        seconds, result = timed(member_stats_refresh)
        floors.append(timed(lambda: first_value(FLOOR_SQL))[0])
        again.append((seconds, result.written, seconds / ((floors[-2] + floors[-1]) / 2)))
    print(f"floor (one GROUP BY member pass over all orders, count and sum per member), around each refresh: "
          f"{', '.join(f'{f:.2f}' for f in floors)} s; the first version's index-only count: {index_count_seconds:.2f} s")
    print(f"statistics + RFM on {args.connections} connection(s), first refresh ({refresh.written:,} rows): "
          f"{refresh_seconds:.2f} s = {refresh_seconds / ((floors[0] + floors[1]) / 2):.1f}x the floor")
    for seconds, written, ratio in again:
        print(f"statistics + RFM, next refresh ({written:,} rows changed): {seconds:.2f} s = "
              f"{ratio:.1f}x the floor (target <= 6x)")
    if args.repeat > 1:
        print(f"next refresh, median of {args.repeat}: {statistics.median(r for _, _, r in again):.1f}x the floor")
    if args.stats_only:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE segments_memberstats")
    micro = rules_validate(MICRO_SEGMENT)
    segment_preview(micro)  # warm
    count_seconds, preview = timed(lambda: segment_preview(micro))
    segments = [Segment.objects.create(slug=slug, name=slug, rules=rules_validate(rules)) for slug, rules in TYPICAL.items()]
    first_seconds, filled = timed(lambda: refresh_segments(segments, args.workers))
    next_seconds, rerun = timed(lambda: refresh_segments(segments, args.workers))
    print(f"micro-segment count preview: {count_seconds:.3f} s, {preview['count']:,} members (target <= 1 s)")
    print(f"first fill of {len(segments)} segments, {args.workers} at a time "
          f"({sum(e for e, _ in filled.values()):,} memberships): {first_seconds:.1f} s (target <= 60 s); sizes: "
          + ", ".join(f"{slug} {e:,}" for slug, (e, _) in filled.items()))
    print(f"next full refresh of {len(segments)} segments, {args.workers} at a time "
          f"({sum(e + x for e, x in rerun.values()):,} entries and exits): {next_seconds:.1f} s (target <= 60 s)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"whole run: {time.monotonic() - started:.0f} s")
