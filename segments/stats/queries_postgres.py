"""PostgreSQL's statistics SELECT: the same columns as queries.stats_select in fewer, cheaper passes.

Orders and the median gap come from one ordered pass over the member's purchases (LAG, then an
ordered-set aggregate), and opens, night share, top hour and channel counts from one GROUP BY over the
events with FILTER and mode(). Local days and hours are integer arithmetic on the epoch inside each
zone's constant-offset period (see zones.py), not `AT TIME ZONE` per row.
"""
import datetime as dt

from django.conf import settings

from core.timezones import shop_day_start

from .queries import DAYS_PER_MONTH
from .zones import local_day_number_sql, local_hour_sql


def stats_select_postgres(
    as_of: dt.date, member_ids: list[int] | None, zones: list[str], id_range: tuple[int, int] | None = None
) -> tuple[str, list]:
    """SELECT member_id, <STAT_COLUMNS> for every member, the given ones, or those with ids in `id_range`.

    `zones` are the members' zones; `id_range` is inclusive at both ends.
    """
    cutoff = shop_day_start(as_of + dt.timedelta(days=1))
    month_ago = shop_day_start(as_of - dt.timedelta(days=30))
    if member_ids is not None:
        condition, ids = " AND {} = ANY(%s)", [list(member_ids)]
    elif id_range is not None:
        condition, ids = " AND {} BETWEEN %s AND %s", list(id_range)
    else:
        condition, ids = "", []
    orders_filter = condition.format("o.member_id")
    ledger_filter = condition.format("l.member_id")
    referrals_filter = condition.format("r.referred_by_id")
    events_filter = condition.format("e.member_id")
    members_filter = condition.format("m.id")
    day_sql, day_params = local_day_number_sql("o.created_at", settings.SHOP_TIME_ZONE, cutoff)
    hour_sql, hour_params = local_hour_sql("e.occurred_at", "m.timezone", zones, cutoff)
    sql = f"""
    WITH purchase AS (
        SELECT p.member_id, p.total, p.day, p.day - LAG(p.day) OVER (PARTITION BY p.member_id ORDER BY p.created_at) AS gap
          FROM (SELECT o.member_id, o.total, o.created_at, {day_sql} AS day
                  FROM loyalty_order o
                 WHERE o.status = 'completed' AND o.created_at < %s{orders_filter}) p
    ),
    orders AS (
        SELECT member_id, COUNT(*) AS n, SUM(total) AS spent,
               DATE '1970-01-01' + MIN(day) AS first_day, DATE '1970-01-01' + MAX(day) AS last_day,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FILTER (WHERE gap IS NOT NULL) AS median
          FROM purchase GROUP BY member_id
    ),
    points AS (
        SELECT l.member_id,
               SUM(l.points) FILTER (WHERE l.kind IN ('earn', 'bonus') AND l.points > 0 AND l.created_at >= %s) AS earned,
               -SUM(l.points) FILTER (WHERE l.kind = 'redeem' AND l.created_at >= %s) AS spent,
               COUNT(*) FILTER (WHERE l.kind = 'redeem') AS redemptions
          FROM loyalty_ledgerentry l WHERE l.created_at < %s{ledger_filter} GROUP BY l.member_id
    ),
    referrals AS (
        SELECT r.referred_by_id AS member_id, COUNT(*) AS n FROM customers_member r
         WHERE r.referred_by_id IS NOT NULL{referrals_filter} GROUP BY r.referred_by_id
    ),
    engagement AS (
        SELECT x.member_id,
               COUNT(*) FILTER (WHERE x.kind = 'open') AS opens,
               COUNT(*) FILTER (WHERE x.kind = 'open' AND (x.hour >= 23 OR x.hour < 5)) AS night,
               mode() WITHIN GROUP (ORDER BY x.hour) FILTER (WHERE x.kind = 'open') AS top_hour,
               COUNT(*) FILTER (WHERE x.channel = 'email') AS email_n,
               COUNT(*) FILTER (WHERE x.channel = 'push') AS push_n,
               COUNT(*) FILTER (WHERE x.channel = 'sms') AS sms_n
          FROM (SELECT e.member_id, e.kind, e.channel, {hour_sql} AS hour
                  FROM customers_engagementevent e
                  JOIN customers_member m ON m.id = e.member_id
                 WHERE e.kind IN ('open', 'click') AND e.occurred_at < %s{events_filter}{members_filter}) x
         GROUP BY x.member_id
    )
    SELECT m.id AS member_id,
           COALESCE(o.n, 0) AS orders_count,
           COALESCE(o.spent, 0) AS total_spent,
           CASE WHEN o.n > 0 THEN ROUND(o.spent / o.n, 2) END AS avg_order_value,
           o.first_day AS first_purchase_on,
           o.last_day AS last_purchase_on,
           CASE WHEN o.n > 1 AND o.last_day > o.first_day
                THEN ROUND((o.n - 1) * {DAYS_PER_MONTH} / (o.last_day - o.first_day), 3) END AS purchases_per_month,
           ROUND((o.median * 2)::int * 0.5, 1) AS median_days_between,
           COALESCE(p.earned, 0) AS points_earned_30d,
           COALESCE(p.spent, 0) AS points_spent_30d,
           COALESCE(p.redemptions, 0) AS redemptions_count,
           COALESCE(rf.n, 0) AS referrals_count,
           COALESCE(en.opens, 0) AS email_opens_count,
           CASE WHEN en.opens > 0 THEN ROUND(en.night::numeric / en.opens, 3) END AS night_open_share,
           en.top_hour AS top_open_hour,
           CASE WHEN COALESCE(en.email_n + en.push_n + en.sms_n, 0) = 0 THEN m.preferred_channel
                WHEN en.email_n >= en.push_n AND en.email_n >= en.sms_n THEN 'email'
                WHEN en.push_n >= en.sms_n THEN 'push' ELSE 'sms' END AS preferred_channel
      FROM customers_member m
      LEFT JOIN orders o ON o.member_id = m.id
      LEFT JOIN points p ON p.member_id = m.id
      LEFT JOIN referrals rf ON rf.member_id = m.id
      LEFT JOIN engagement en ON en.member_id = m.id
     WHERE true{members_filter}
    """
    params = [*day_params, cutoff, *ids, month_ago, month_ago, cutoff, *ids, *ids, *hour_params, cutoff, *ids,
              *ids, *ids]
    return sql, params
