"""Refresh member statistics and RFM scores for all members (or some), set-based."""
import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction

from core.sql import is_postgres
from core.timezones import shop_today
from customers.models import Member

from .queries import STAT_COLUMNS, stats_select

logger = logging.getLogger(__name__)


@dataclass
class StatsRefreshResult:
    as_of: dt.date
    written: int
    rfm_written: int
    seconds: float


def _changed(columns: list[str], table: str) -> str:
    distinct = "IS DISTINCT FROM" if is_postgres() else "IS NOT"
    return " OR ".join(f"{table}.{column} {distinct} excluded.{column}" for column in columns)


@transaction.atomic
def member_stats_refresh(*, as_of: dt.date | None = None, member_ids: list[int] | None = None) -> StatsRefreshResult:
    """Recompute the statistics of every member (or of `member_ids`) and then RFM over all buyers.

    One INSERT … SELECT … ON CONFLICT writes only rows whose facts changed; RFM quintiles are one
    window-function UPDATE. Runs in one transaction, so readers never see half a refresh.
    """
    started = time.monotonic()
    as_of = as_of or shop_today()
    zones = list(Member.objects.values_list("timezone", flat=True).distinct()) if not is_postgres() else []
    select_sql, params = stats_select(as_of, zones, member_ids)
    columns = ", ".join(STAT_COLUMNS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in [*STAT_COLUMNS, "refreshed_on"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO segments_memberstats (member_id, {columns}, refreshed_on)
                SELECT stats.*, %s FROM ({select_sql}) stats WHERE true
                ON CONFLICT (member_id) DO UPDATE SET {updates}
                WHERE {_changed(STAT_COLUMNS, "segments_memberstats")}""",
            _ordered(params, as_of),
        )
        written = cursor.rowcount
        rfm_written = _rfm_refresh(cursor)
    result = StatsRefreshResult(as_of, written, rfm_written, time.monotonic() - started)
    logger.info("member_stats_refreshed as_of=%s written=%s rfm_written=%s seconds=%.1f",
                as_of, written, rfm_written, result.seconds)
    return result


def _ordered(params, as_of):
    # The as-of literal comes first in the statement text (SELECT stats.*, %s FROM (…)).
    return [as_of if is_postgres() else as_of.isoformat(), *params]


def _rfm_refresh(cursor) -> int:
    """Quintile scores over buyers (ties broken by member id so quintiles are equal-sized), code and name."""
    distinct = "IS DISTINCT FROM" if is_postgres() else "IS NOT"
    cursor.execute(
        f"""
        WITH scored AS (
            SELECT member_id,
                   NTILE(5) OVER (ORDER BY last_purchase_on, member_id) AS r,
                   NTILE(5) OVER (ORDER BY orders_count, member_id) AS f,
                   NTILE(5) OVER (ORDER BY total_spent, member_id) AS m
              FROM segments_memberstats WHERE orders_count > 0
        ),
        named AS (
            SELECT s.member_id, s.r, s.f, s.m,
                   CAST(s.r AS TEXT) || CAST(s.f AS TEXT) || CAST(s.m AS TEXT) AS code,
                   COALESCE((SELECT rule.name FROM segments_rfmsegmentrule rule
                              WHERE s.r BETWEEN rule.r_min AND rule.r_max AND s.f BETWEEN rule.f_min AND rule.f_max
                              ORDER BY rule.id LIMIT 1), '') AS name
              FROM scored s
            UNION ALL
            SELECT member_id, NULL, NULL, NULL, '', '' FROM segments_memberstats WHERE orders_count = 0
        )
        UPDATE segments_memberstats
           SET r_score = named.r, f_score = named.f, m_score = named.m, rfm_code = named.code, rfm_segment = named.name
          FROM named
         WHERE named.member_id = segments_memberstats.member_id
           AND (segments_memberstats.rfm_code {distinct} named.code OR segments_memberstats.rfm_segment {distinct} named.name)
        """
    )
    return max(cursor.rowcount, 0)  # SQLite reports -1 for an UPDATE … FROM behind a WITH
