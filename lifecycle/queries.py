"""The set-based SQL of the lifecycle recompute: which members change stage, and why.

One pass over the completed orders of a member-id range, grouped by member, compared with each
member's current stage. Stage rules are passed in as a CASE with parameters, so the admin's dry run
can try thresholds that are not saved yet. Only the date arithmetic differs between PostgreSQL and SQLite.
"""
import datetime as dt
from dataclasses import dataclass

from core.sql import date_param, days_between, distinct_from, shop_date, timestamp_param
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


def _target_stage_case(rules: list[StageRule]) -> tuple[str, list]:
    """A CASE giving the stage of a `facts` row: the first rule it meets, latest entry day first.

    A CASE over the few rules costs a fraction of a subquery over them per member.
    """
    whens, params = [], []
    for rule in sorted(rules, key=lambda r: (-r.entry_day, r.id)):
        condition = "f.orders >= %s AND f.days >= %s"
        params_of_rule = [rule.min_orders, rule.entry_day]
        if rule.max_orders is not None:
            condition += " AND f.orders <= %s"
            params_of_rule.append(rule.max_orders)
        whens.append(f"WHEN {condition} THEN %s")
        params += [*params_of_rule, rule.id]
    if not whens:
        return "NULL", []
    return f"CASE {' '.join(whens)} END", params


def changes_query(rules: list[StageRule], as_of: dt.date, id_range: tuple[int, int]) -> tuple[str, list]:
    """SELECT member_id, from_stage_id, to_stage_id, completed_orders, days_since for changed members."""
    distinct = distinct_from()
    low, high = id_range
    days_sql, days_params = _days_since_expression(as_of)
    target_stage, stage_params = _target_stage_case(rules)
    # One FULL JOIN, so `facts` is read once and stays in member order for a merge with the current
    # stages; a member with a stage but no completed order left (all returned) gets no stage.
    sql = f"""
        WITH facts AS (
            SELECT o.member_id, COUNT(*) AS orders, {days_sql} AS days
              FROM loyalty_order o
             WHERE o.status = 'completed' AND o.created_at < %s AND o.member_id BETWEEN %s AND %s
             GROUP BY o.member_id
        ),
        current_stage AS (
            SELECT ml.member_id, ml.stage_id FROM lifecycle_memberlifecycle ml
             WHERE ml.stage_id IS NOT NULL AND ml.member_id BETWEEN %s AND %s
        )
        SELECT member_id, from_stage_id, to_stage_id, orders, days
          FROM (SELECT COALESCE(f.member_id, c.member_id) AS member_id, c.stage_id AS from_stage_id,
                       {target_stage} AS to_stage_id, COALESCE(f.orders, 0) AS orders, f.days
                  FROM facts f FULL JOIN current_stage c ON c.member_id = f.member_id) moves
         WHERE to_stage_id {distinct} from_stage_id
    """
    cutoff = timestamp_param(shop_day_start(as_of + dt.timedelta(days=1)))  # orders up to the end of as-of
    params = [*days_params, cutoff, low, high, low, high, *stage_params]
    return sql, params
