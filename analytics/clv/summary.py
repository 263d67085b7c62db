"""Per-member purchase summary for the CLV models, in one set-based query over completed orders.

A purchase is a shop-calendar day with at least one completed order (several orders that day are one
purchase, their totals summed). Frequency = purchase days − 1; recency = days from the first purchase day to
the last; age = days from the first purchase day to `as_of` (purchases on `as_of` count).
"""
import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from core.sql import date_param, days_between, is_postgres, shop_date, timestamp_param
from core.timezones import shop_day_start
from segments.stats.zones import local_day_number_sql

RECENT_DAYS = 90  # the trend compares the last 90 days with the member's earlier rate
EARLIER_DAYS = 365  # … over at most the year before them


@dataclass
class PurchaseSummary:
    member_id: np.ndarray
    frequency: np.ndarray  # repeat purchase days
    recency_days: np.ndarray
    age_days: np.ndarray
    orders: np.ndarray
    total_spend: np.ndarray
    repeat_spend: np.ndarray  # spend of the repeat purchase days (the first day excluded)
    recent_spend: np.ndarray  # last RECENT_DAYS days up to as_of
    earlier_spend: np.ndarray  # the EARLIER_DAYS before those
    orders_last_year: np.ndarray
    bought_last_year: np.ndarray  # bool: a purchase in (as_of − 365, as_of]
    bought_year_before: np.ndarray  # bool: a purchase in (as_of − 730, as_of − 365]

    def __len__(self):
        return self.member_id.size

    @property
    def monetary(self) -> np.ndarray:
        """Mean spend of the repeat purchase days (0 without one)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.frequency > 0, self.repeat_spend / np.maximum(self.frequency, 1), 0.0)


def summary_sql(as_of: dt.date) -> tuple[str, list]:
    return _summary_sql_postgres(as_of) if is_postgres() else _summary_sql_portable(as_of)


EPOCH = dt.date(1970, 1, 1)
SPEND_KEY = 10 ** 13  # first-day spend packed under the day number: cents below 10^13 (10^11 a day)
# The summary sorts every completed order once in memory (~0.8 GB for 9 M orders) and aggregates in two
# streaming passes; hash aggregation of 9 M (member, day) groups or an index-ordered heap walk are slower.
POSTGRES_SETTINGS = {"work_mem": "1GB", "enable_hashagg": "off", "enable_indexscan": "off",
                     "enable_bitmapscan": "off", "max_parallel_workers_per_gather": "0"}


def _summary_sql_postgres(as_of: dt.date) -> tuple[str, list]:
    """Days as integers (days since 1970-01-01 in the shop's zone, by offset arithmetic where the zone's
    offset is constant), no window (the first purchase day's spend is recovered exactly from
    MIN(day * 10^13 + cents) of the per-day rows), and counts as bigint: SUM of bigint is numeric, and a
    million Decimals cost seconds in Python."""
    cutoff = shop_day_start(as_of + dt.timedelta(days=1))
    day, day_params = local_day_number_sql("o.created_at", settings.SHOP_TIME_ZONE, cutoff)
    as_of_n = (as_of - EPOCH).days
    recent, earlier = as_of_n - RECENT_DAYS, as_of_n - RECENT_DAYS - EARLIER_DAYS
    year, two_years = as_of_n - 365, as_of_n - 730
    sql = f"""
    WITH purchase_day AS (
        SELECT o.member_id, {day} AS day, SUM(o.total) AS spend, COUNT(*) AS orders
          FROM loyalty_order o
         WHERE o.status = 'completed' AND o.created_at < %s
         GROUP BY 1, 2
    )
    SELECT member_id,
           COUNT(*) - 1,
           MAX(day) - MIN(day),
           {as_of_n} - MIN(day),
           SUM(orders)::bigint,
           CAST(SUM(spend) AS DOUBLE PRECISION),
           CAST(SUM(spend) - mod(MIN(day::bigint * {SPEND_KEY} + (spend * 100)::bigint), {SPEND_KEY}) / 100.0
                AS DOUBLE PRECISION),
           CAST(SUM(CASE WHEN day > {recent} THEN spend ELSE 0 END) AS DOUBLE PRECISION),
           CAST(SUM(CASE WHEN day > {earlier} AND day <= {recent} THEN spend ELSE 0 END) AS DOUBLE PRECISION),
           SUM(CASE WHEN day > {year} THEN orders ELSE 0 END)::bigint,
           MAX(CASE WHEN day > {year} THEN 1 ELSE 0 END),
           MAX(CASE WHEN day > {two_years} AND day <= {year} THEN 1 ELSE 0 END)
      FROM purchase_day
     GROUP BY member_id
    """
    return sql, [*day_params, cutoff]


def _summary_sql_portable(as_of: dt.date) -> tuple[str, list]:
    day, day_params = shop_date("o.created_at", as_of)
    as_of_sql, as_of_params = date_param(as_of)
    recent_sql, recent_params = date_param(as_of - dt.timedelta(days=RECENT_DAYS))
    earlier_sql, earlier_params = date_param(as_of - dt.timedelta(days=RECENT_DAYS + EARLIER_DAYS))
    year_sql, year_params = date_param(as_of - dt.timedelta(days=365))
    two_years_sql, two_years_params = date_param(as_of - dt.timedelta(days=730))
    sql = f"""
    WITH purchase_day AS (
        SELECT o.member_id, {day} AS day, SUM(o.total) AS spend, COUNT(*) AS orders
          FROM loyalty_order o
         WHERE o.status = 'completed' AND o.created_at < %s
         GROUP BY 1, 2
    ),
    marked AS (
        SELECT member_id, day, spend, orders, MIN(day) OVER (PARTITION BY member_id) AS first_day FROM purchase_day
    )
    SELECT member_id,
           COUNT(*) - 1,
           {days_between("MAX(day)", "MIN(day)")},
           {days_between(as_of_sql, "MIN(day)")},
           SUM(orders),
           CAST(SUM(spend) AS DOUBLE PRECISION),
           CAST(SUM(CASE WHEN day > first_day THEN spend ELSE 0 END) AS DOUBLE PRECISION),
           CAST(SUM(CASE WHEN day > {recent_sql} THEN spend ELSE 0 END) AS DOUBLE PRECISION),
           CAST(SUM(CASE WHEN day > {earlier_sql} AND day <= {recent_sql} THEN spend ELSE 0 END) AS DOUBLE PRECISION),
           SUM(CASE WHEN day > {year_sql} THEN orders ELSE 0 END),
           MAX(CASE WHEN day > {year_sql} THEN 1 ELSE 0 END),
           MAX(CASE WHEN day > {two_years_sql} AND day <= {year_sql} THEN 1 ELSE 0 END)
      FROM marked
     GROUP BY member_id
    """
    params = [*day_params, timestamp_param(shop_day_start(as_of + dt.timedelta(days=1))), *as_of_params,
              *recent_params, *earlier_params, *recent_params, *year_params, *year_params,
              *two_years_params, *year_params]
    return sql, params


def purchase_summary(*, as_of: dt.date) -> PurchaseSummary:
    """Every member with a completed order up to the end of `as_of`, as numpy columns (in no set order).
    Sums arrive as float8: a million Decimals would cost seconds to build and convert."""
    sql, params = summary_sql(as_of)
    with transaction.atomic(), connection.cursor() as cursor:
        if is_postgres():
            for name, value in POSTGRES_SETTINGS.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows)) if rows else [()] * 12

    def column(i, dtype=float):
        return np.array(columns[i], dtype=dtype)

    return PurchaseSummary(
        member_id=column(0, np.int64), frequency=column(1), recency_days=column(2), age_days=column(3),
        orders=column(4), total_spend=column(5), repeat_spend=column(6), recent_spend=column(7),
        earlier_spend=column(8), orders_last_year=column(9), bought_last_year=column(10, bool),
        bought_year_before=column(11, bool),
    )
