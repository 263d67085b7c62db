"""The SQL of the member statistics refresh: one INSERT … SELECT over every member, grouped sub-results joined."""
import datetime as dt

from core.sql import days_between, is_postgres, local_hour, shop_date, timestamp_param
from core.timezones import shop_day_start

STAT_COLUMNS = [
    "orders_count", "total_spent", "avg_order_value", "first_purchase_on", "last_purchase_on",
    "purchases_per_month", "median_days_between", "points_earned_30d", "points_spent_30d", "redemptions_count",
    "referrals_count", "email_opens_count", "night_open_share", "top_open_hour", "preferred_channel",
]
RFM_COLUMNS = ["r_score", "f_score", "m_score", "rfm_code", "rfm_segment"]
DAYS_PER_MONTH = 30.44


def stats_select(as_of: dt.date, zones: list[str], member_ids: list[int] | None) -> tuple[str, list]:
    """SELECT member_id, <STAT_COLUMNS> for every member (or the given ones), as of the end of `as_of`."""
    params: list = []
    cutoff = timestamp_param(shop_day_start(as_of + dt.timedelta(days=1)))
    month_ago = timestamp_param(shop_day_start(as_of - dt.timedelta(days=30)))
    order_day, order_day_params = shop_date("o.created_at", as_of)
    open_hour, open_hour_params = local_hour("e.occurred_at", "m.timezone", zones, as_of)
    member_filter = ""
    if member_ids is not None:
        member_filter = f" AND m.id IN ({', '.join(['%s'] * len(member_ids))})" if member_ids else " AND 1 = 0"
    numeric = "::numeric" if is_postgres() else " * 1.0"
    span = days_between("o.last_day", "o.first_day")  # days from the first purchase to the last

    sql = f"""
    WITH purchase AS (
        SELECT o.member_id, o.total, {order_day} AS day
          FROM loyalty_order o JOIN customers_member m ON m.id = o.member_id
         WHERE o.status = 'completed' AND o.created_at < %s{member_filter}
    ),
    orders AS (
        SELECT member_id, COUNT(*) AS n, SUM(total) AS spent, MIN(day) AS first_day, MAX(day) AS last_day
          FROM purchase GROUP BY member_id
    ),
    gaps AS (
        SELECT member_id, {days_between("day", "LAG(day) OVER (PARTITION BY member_id ORDER BY day)")} AS gap
          FROM purchase
    ),
    ranked_gaps AS (
        SELECT member_id, gap, ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY gap) AS rn,
               COUNT(*) OVER (PARTITION BY member_id) AS cnt
          FROM gaps WHERE gap IS NOT NULL
    ),
    median_gap AS (
        SELECT member_id, AVG(gap{numeric}) AS median FROM ranked_gaps
         WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2) GROUP BY member_id
    ),
    points AS (
        SELECT l.member_id,
               SUM(CASE WHEN l.kind IN ('earn', 'bonus') AND l.points > 0 AND l.created_at >= %s THEN l.points ELSE 0 END) AS earned,
               SUM(CASE WHEN l.kind = 'redeem' AND l.created_at >= %s THEN -l.points ELSE 0 END) AS spent,
               SUM(CASE WHEN l.kind = 'redeem' THEN 1 ELSE 0 END) AS redemptions
          FROM loyalty_ledgerentry l JOIN customers_member m ON m.id = l.member_id
         WHERE l.created_at < %s{member_filter} GROUP BY l.member_id
    ),
    referrals AS (
        SELECT r.referred_by_id AS member_id, COUNT(*) AS n FROM customers_member r
         WHERE r.referred_by_id IS NOT NULL GROUP BY r.referred_by_id
    ),
    open_hours AS (
        SELECT e.member_id, {open_hour} AS hour
          FROM customers_engagementevent e JOIN customers_member m ON m.id = e.member_id
         WHERE e.kind = 'open' AND e.occurred_at < %s{member_filter}
    ),
    hour_counts AS (
        SELECT member_id, hour, COUNT(*) AS n,
               ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY COUNT(*) DESC, hour) AS rank
          FROM open_hours GROUP BY member_id, hour
    ),
    opens AS (
        SELECT member_id, SUM(n) AS n, SUM(CASE WHEN hour >= 23 OR hour < 5 THEN n ELSE 0 END) AS night,
               MAX(CASE WHEN rank = 1 THEN hour END) AS top_hour
          FROM hour_counts GROUP BY member_id
    ),
    channels AS (
        SELECT e.member_id, e.channel,
               ROW_NUMBER() OVER (PARTITION BY e.member_id ORDER BY COUNT(*) DESC, e.channel) AS rank
          FROM customers_engagementevent e JOIN customers_member m ON m.id = e.member_id
         WHERE e.kind IN ('open', 'click') AND e.occurred_at < %s{member_filter}
         GROUP BY e.member_id, e.channel
    )
    SELECT m.id AS member_id,
           COALESCE(o.n, 0) AS orders_count,
           COALESCE(o.spent, 0) AS total_spent,
           CASE WHEN o.n > 0 THEN ROUND(o.spent{numeric} / o.n, 2) END AS avg_order_value,
           o.first_day AS first_purchase_on,
           o.last_day AS last_purchase_on,
           CASE WHEN o.n > 1 AND {span} > 0
                THEN ROUND((o.n - 1) * {DAYS_PER_MONTH} / {span}, 3) END AS purchases_per_month,
           ROUND(mg.median, 1) AS median_days_between,
           COALESCE(p.earned, 0) AS points_earned_30d,
           COALESCE(p.spent, 0) AS points_spent_30d,
           COALESCE(p.redemptions, 0) AS redemptions_count,
           COALESCE(rf.n, 0) AS referrals_count,
           COALESCE(op.n, 0) AS email_opens_count,
           CASE WHEN op.n > 0 THEN ROUND(op.night{numeric} / op.n, 3) END AS night_open_share,
           op.top_hour AS top_open_hour,
           COALESCE(ch.channel, m.preferred_channel) AS preferred_channel
      FROM customers_member m
      LEFT JOIN orders o ON o.member_id = m.id
      LEFT JOIN median_gap mg ON mg.member_id = m.id
      LEFT JOIN points p ON p.member_id = m.id
      LEFT JOIN referrals rf ON rf.member_id = m.id
      LEFT JOIN opens op ON op.member_id = m.id
      LEFT JOIN channels ch ON ch.member_id = m.id AND ch.rank = 1
     WHERE 1 = 1{member_filter}
    """
    ids = list(member_ids or [])
    params = [*order_day_params, cutoff, *ids, month_ago, month_ago, cutoff, *ids, *open_hour_params, cutoff, *ids,
              cutoff, *ids, *ids]
    return sql, params
