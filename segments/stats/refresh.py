"""Refresh member statistics and RFM scores for all members (or some), set-based."""
import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction

from core.sql import distinct_from, is_postgres
from core.timezones import shop_today
from customers.models import Member

from .queries import STAT_COLUMNS, stats_select
from .queries_postgres import stats_select_postgres

logger = logging.getLogger(__name__)
RFM_COLUMNS = ["r_score", "f_score", "m_score", "rfm_code", "rfm_segment"]

# Quintiles over buyers only (ties broken by member id, so quintiles are equal-sized), then the code and
# the name of the map cell. Members without a completed order get no scores.
RFM_SELECT = """
    SELECT scored.*,
           CASE WHEN scored.r_score IS NULL THEN ''
                ELSE CAST(scored.r_score AS TEXT) || CAST(scored.f_score AS TEXT) || CAST(scored.m_score AS TEXT)
           END AS rfm_code,
           COALESCE((SELECT rule.name FROM segments_rfmsegmentrule rule
                      WHERE scored.r_score BETWEEN rule.r_min AND rule.r_max
                        AND scored.f_score BETWEEN rule.f_min AND rule.f_max
                      ORDER BY rule.id LIMIT 1), '') AS rfm_segment
      FROM (SELECT stats.*,
                   CASE WHEN stats.orders_count > 0 THEN NTILE(5) OVER (
                       PARTITION BY stats.orders_count > 0 ORDER BY stats.last_purchase_on, stats.member_id) END AS r_score,
                   CASE WHEN stats.orders_count > 0 THEN NTILE(5) OVER (
                       PARTITION BY stats.orders_count > 0 ORDER BY stats.orders_count, stats.member_id) END AS f_score,
                   CASE WHEN stats.orders_count > 0 THEN NTILE(5) OVER (
                       PARTITION BY stats.orders_count > 0 ORDER BY stats.total_spent, stats.member_id) END AS m_score
              FROM ({stats}) stats) scored
"""


@dataclass
class StatsRefreshResult:
    as_of: dt.date
    written: int
    seconds: float


@transaction.atomic
def member_stats_refresh(*, as_of: dt.date | None = None, member_ids: list[int] | None = None) -> StatsRefreshResult:
    """Recompute the statistics of every member, with RFM, or only the statistics of `member_ids`.

    One INSERT … SELECT … ON CONFLICT writes only rows whose values changed, in one transaction, so
    readers never see half a refresh. RFM quintiles rank a member against all buyers, so they are
    recomputed by the full refresh (nightly) and left as they are by a refresh of some members.
    """
    started = time.monotonic()
    as_of = as_of or shop_today()
    if is_postgres():
        select_sql, params = stats_select_postgres(as_of, member_ids)
    else:
        zones = list(Member.objects.values_list("timezone", flat=True).distinct())
        select_sql, params = stats_select(as_of, zones, member_ids)
    columns = STAT_COLUMNS if member_ids is not None else [*STAT_COLUMNS, *RFM_COLUMNS]
    if member_ids is None:
        select_sql = RFM_SELECT.format(stats=select_sql)
    distinct = distinct_from()
    changed = " OR ".join(f"segments_memberstats.{c} {distinct} excluded.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO segments_memberstats (member_id, {", ".join(columns)}, refreshed_on)
                SELECT member_id, {", ".join(columns)}, %s FROM ({select_sql}) refreshed WHERE true
                ON CONFLICT (member_id) DO UPDATE
                   SET {", ".join(f"{c} = excluded.{c}" for c in [*columns, "refreshed_on"])}
                 WHERE {changed}""",
            [as_of if is_postgres() else as_of.isoformat(), *params],
        )
        written = cursor.rowcount
    result = StatsRefreshResult(as_of, written, time.monotonic() - started)
    logger.info("member_stats_refreshed as_of=%s members=%s written=%s seconds=%.1f",
                as_of, "all" if member_ids is None else len(member_ids), written, result.seconds)
    return result
