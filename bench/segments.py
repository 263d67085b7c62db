"""Benchmark: member statistics + RFM, the micro-segment count, and a refresh of 20 typical segments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyalty_bench python bench/segments.py

Reports, in one run on the demo dataset: the floor (one bare aggregate pass over all orders), the
statistics and RFM refresh (the first one, which writes every row), the micro-segment's count preview,
and a full refresh of 20 typical segments. It replaces the segments tables' contents of that database.
"""
from _common import floor_pass, timed  # sets Django up

from django.db import connection  # noqa: E402

from segments.models import Segment  # noqa: E402
from segments.rules import rules_validate  # noqa: E402
from segments.selectors import segment_preview  # noqa: E402
from segments.services import segment_refresh  # noqa: E402
from segments.stats import member_stats_refresh  # noqa: E402

FLOOR_SQL = "SELECT COUNT(*) FROM (SELECT member_id, COUNT(*), SUM(total) FROM loyalty_order GROUP BY member_id) s"


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
    leaf("member_field", field="region", op="eq", value="ЦФО"),
    leaf("stat", field="days_since_last_purchase", op="between", value=[5, 9]),
)
TYPICAL = {
    "women": leaf("member_field", field="gender", op="eq", value="f"),
    "moscow-district": leaf("member_field", field="region", op="eq", value="ЦФО"),
    "email-consent": leaf("consent", channel="email"),
    "sms-consent": leaf("consent", channel="sms"),
    "champions": leaf("rfm_segment", values=["Champions"]),
    "at-risk-rfm": leaf("rfm_segment", values=["At risk", "Can't lose them"]),
    "lost-rfm": leaf("rfm_segment", values=["Lost", "Hibernating"]),
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




def main():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE segments_memberstats, segments_segmentmembershipchange, segments_segmentmembership, "
                       "segments_segmentsizesnapshot, segments_dirtymember, segments_segment CASCADE")
    floor_seconds, _ = floor_pass(FLOOR_SQL)
    refresh_seconds, refresh = timed(member_stats_refresh)
    again_seconds, again = timed(member_stats_refresh)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE segments_memberstats")
    micro = rules_validate(MICRO_SEGMENT)
    segment_preview(micro)  # warm
    count_seconds, preview = timed(lambda: segment_preview(micro))
    segments = [Segment.objects.create(slug=slug, name=slug, rules=rules_validate(rules)) for slug, rules in TYPICAL.items()]
    sizes = {}

    def refresh_all():
        for segment in segments:
            sizes[segment.slug] = segment_refresh(segment=segment)[0]

    all_seconds, _ = timed(refresh_all)
    print(f"floor (one GROUP BY member pass over all orders): {floor_seconds:.2f} s")
    print(f"statistics + RFM, first refresh ({refresh.written:,} rows): {refresh_seconds:.2f} s = "
          f"{refresh_seconds / floor_seconds:.1f}x the floor (target <= 6x)")
    print(f"statistics + RFM, next refresh ({again.written:,} rows changed): {again_seconds:.2f} s = "
          f"{again_seconds / floor_seconds:.1f}x the floor")
    print(f"micro-segment count preview: {count_seconds:.3f} s, {preview['count']:,} members (target <= 1 s)")
    print(f"full refresh of {len(segments)} segments: {all_seconds:.1f} s (target <= 60 s); sizes: "
          + ", ".join(f"{slug} {n:,}" for slug, n in sizes.items()))


if __name__ == "__main__":
    main()
