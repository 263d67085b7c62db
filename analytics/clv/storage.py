"""Write member scores into segments.MemberStats in bulk.

PostgreSQL: COPY into a temporary table, then one UPDATE … FROM of the rows whose scores changed, then one
UPDATE that clears the scores of members no longer scored (their completed orders were returned). None of
the score columns is indexed and segments_memberstats keeps half of each page free (fillfactor 50, segments
migration 0005), so the UPDATE is heap-only: no index is written, about one WAL record per row. SQLite (`make run`): executemany in chunks.
Members without a statistics row are skipped (the nightly statistics refresh creates the rows).
"""
import numpy as np
from django.db import connection

from core.sql import is_postgres

from .scoring import MemberScores

SCORE_COLUMNS = ["predicted_purchases_90", "predicted_purchases_365", "prob_alive", "predicted_clv", "simple_clv",
                 "spend_trend"]
SQLITE_CHUNK = 5000


FLOAT_DIGITS = 5  # stored floats are rounded, so a rerun on the same day finds nothing to rewrite


def _rows(scores: MemberScores):
    columns = [scores.member_id.tolist()]
    for name in SCORE_COLUMNS:
        values = getattr(scores, name)
        if values.dtype.kind == "f":
            rounded = np.round(values, FLOAT_DIGITS)
            values = np.where(np.isfinite(rounded), rounded, None)
        columns.append(values.tolist())
    return zip(*columns)


def scores_store(scores: MemberScores) -> int:
    """Write every member's scores and clear stale ones, in the caller's transaction; returns the rows
    rewritten (on PostgreSQL only those whose scores changed)."""
    return _store_postgres(scores) if is_postgres() else _store_portable(scores)


def _store_postgres(scores: MemberScores) -> int:
    assignments = ", ".join(f"{name} = c.{name}" for name in SCORE_COLUMNS)
    with connection.cursor() as cursor:
        # A crash right after COMMIT may lose this transaction whole (the previous scores stay, the next
        # nightly run recomputes them); in exchange the commit does not wait for ~100 MB of WAL to flush.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the million-row hash join in one batch
        # Statistics of segments_memberstats lag behind this very write (scores NULL until now): the planner
        # then took the clearing anti-join below for a one-row nested loop, a million scans of clv_scores.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("""
            CREATE TEMPORARY TABLE clv_scores (
                member_id bigint, predicted_purchases_90 float8, predicted_purchases_365 float8, prob_alive float8,
                predicted_clv numeric(14, 2), simple_clv numeric(14, 2), spend_trend varchar(10)
            ) ON COMMIT DROP
        """)
        with cursor.copy(f"COPY clv_scores (member_id, {', '.join(SCORE_COLUMNS)}) FROM STDIN") as copy:
            for row in _rows(scores):
                copy.write_row(row)
        cursor.execute("ANALYZE clv_scores")
        changed = " OR ".join(f"s.{name} IS DISTINCT FROM c.{name}" for name in SCORE_COLUMNS)
        # Rows whose scores did not change are not rewritten (no dead tuples, no index churn).
        cursor.execute(f"""
            UPDATE segments_memberstats s SET {assignments}
              FROM clv_scores c WHERE s.member_id = c.member_id AND ({changed})
        """)
        updated = cursor.rowcount
        cursor.execute("""
            UPDATE segments_memberstats s
               SET predicted_purchases_90 = NULL, predicted_purchases_365 = NULL, prob_alive = NULL,
                   predicted_clv = NULL, simple_clv = NULL, spend_trend = ''
             WHERE (s.predicted_clv IS NOT NULL OR s.spend_trend <> '')
               AND NOT EXISTS (SELECT 1 FROM clv_scores c WHERE c.member_id = s.member_id)
        """)
        cursor.execute("DROP TABLE clv_scores")
    return updated


def _store_portable(scores: MemberScores) -> int:
    assignments = ", ".join(f"{name} = %s" for name in SCORE_COLUMNS)
    sql = f"UPDATE segments_memberstats SET {assignments} WHERE member_id = %s"
    rows = [(*row[1:], row[0]) for row in _rows(scores)]
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE segments_memberstats
               SET predicted_purchases_90 = NULL, predicted_purchases_365 = NULL, prob_alive = NULL,
                   predicted_clv = NULL, simple_clv = NULL, spend_trend = ''
             WHERE predicted_clv IS NOT NULL OR spend_trend <> ''
        """)
        for start in range(0, len(rows), SQLITE_CHUNK):
            cursor.executemany(sql, rows[start:start + SQLITE_CHUNK])
        cursor.execute("SELECT COUNT(*) FROM segments_memberstats WHERE prob_alive IS NOT NULL")
        return cursor.fetchone()[0]
