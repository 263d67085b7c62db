"""The set-based SQL of the lifecycle recompute: which members change stage, and why.

One pass over the completed orders of a member-id range, grouped by member, compared with each
member's current stage. Stage rules are passed in as a VALUES list, so the admin's dry run can try
thresholds that are not saved yet. Only the date arithmetic differs between PostgreSQL and SQLite.
"""
import datetime as dt
from dataclasses import dataclass


from core.sql import date_param, days_between, distinct_from, is_postgres, shop_date, timestamp_param
from core.timezones import shop_day_start


@dataclass(frozen=True)
class StageRule:
    id: int
    min_orders: int
    max_orders: int | None
    entry_day: int


def _days_since_expression(as_of: dt.date) -> tuple[str, list]:
    last_day, last_params = shop_date("MAX(o.created_at)", as_of)
    today, today_params = date_param(as_of)
    return days_between(today, last_day), [*today_params, *last_params]


def changes_query(rules: list[StageRule], as_of: dt.date, id_range: tuple[int, int]) -> tuple[str, list]:
    """SELECT member_id, from_stage_id, to_stage_id, completed_orders, days_since for changed members."""
    distinct = distinct_from()
    low, high = id_range
    days_sql, days_params = _days_since_expression(as_of)
    if rules:
        cast = "::bigint, %s::int, %s::int, %s::int" if is_postgres() else ", %s, %s, %s"
        values = ", ".join([f"(%s{cast})"] * len(rules))
        stages_cte = f"stages(id, min_orders, max_orders, entry_day) AS (VALUES {values})"
        stage_params = [v for r in rules for v in (r.id, r.min_orders, r.max_orders, r.entry_day)]
        target_stage = """(SELECT s.id FROM stages s
                             WHERE s.min_orders <= f.orders AND (s.max_orders IS NULL OR f.orders <= s.max_orders)
                               AND s.entry_day <= f.days
                             ORDER BY s.entry_day DESC, s.id LIMIT 1)"""
    else:
        stages_cte, stage_params, target_stage = "stages(id) AS (SELECT NULL)", [], "NULL"
    sql = f"""
        WITH {stages_cte},
        facts AS (
            SELECT o.member_id, COUNT(*) AS orders, {days_sql} AS days
              FROM loyalty_order o
             WHERE o.status = 'completed' AND o.created_at < %s AND o.member_id BETWEEN %s AND %s
             GROUP BY o.member_id
        ),
        target AS (SELECT f.member_id, f.orders, f.days, {target_stage} AS stage_id FROM facts f),
        current_stage AS (
            SELECT ml.member_id, ml.stage_id FROM lifecycle_memberlifecycle ml
             WHERE ml.stage_id IS NOT NULL AND ml.member_id BETWEEN %s AND %s
        )
        SELECT t.member_id, c.stage_id AS from_stage_id, t.stage_id AS to_stage_id, t.orders, t.days
          FROM target t LEFT JOIN current_stage c ON c.member_id = t.member_id
         WHERE t.stage_id {distinct} c.stage_id
        UNION ALL
        SELECT c.member_id, c.stage_id, NULL, 0, NULL
          FROM current_stage c
         WHERE NOT EXISTS (SELECT 1 FROM facts f WHERE f.member_id = c.member_id)
    """
    cutoff = timestamp_param(shop_day_start(as_of + dt.timedelta(days=1)))  # orders up to the end of as-of
    params = [*stage_params, *days_params, cutoff, low, high, low, high]
    return sql, params
