"""The full statistics + RFM refresh on PostgreSQL, in member-id ranges on parallel connections.

PostgreSQL runs the window and ordered-set aggregates of one statement in one process, so the single
statement this replaces kept one core busy however many the server had. The refresh now goes in four
steps; the first three read committed data and write only to two unlogged work tables, the last writes
every change to `segments_memberstats` in the caller's transaction, so readers never see half of it:

1. each range's statistics into `segments_memberstats_stage` (one row per member), with whether they
   differ from the stored ones and the stored RFM scores, read in the same merge by member id;
2. the RFM quintile boundaries: for each score, the (key, member id) of the last buyer of quintiles 1–4,
   which turns NTILE(5) into four comparisons per member instead of a window over all buyers;
3. each range's rows whose statistics, scores or RFM segment changed, scored, into
   `segments_memberstats_changes` (the stage alone says which: no second join with the stored rows);
4. one UPDATE of the changed rows and one INSERT of the new ones.

With one connection (the setting at 1, and in tests, whose uncommitted rows other connections cannot
see) steps 1 and 3 run on the caller's connection over all members at once, through the same SQL.
"""
import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections

from core.sql import tune_for_bulk_pass

from .queries import RFM_COLUMNS, STAT_COLUMNS
from .queries_postgres import stats_select_postgres

STAGE_TABLE = "segments_memberstats_stage"
CHANGES_TABLE = "segments_memberstats_changes"
logger = logging.getLogger(__name__)
RFM_KEYS = {"r_score": "last_purchase_on", "f_score": "orders_count", "m_score": "total_spent"}
# Money sorts as whole kopecks: an integer sorts in two thirds of the time of a numeric, in the same order.
SORT_AS = {"total_spent": ("(total_spent * 100)::bigint", lambda kopecks: Decimal(kopecks).scaleb(-2))}
# The stored values the stage keeps beside the fresh statistics, to tell which rows the RFM step changes;
# rfm_code follows from the three scores, so comparing those covers it.
STORED_RFM = [*RFM_KEYS, "rfm_segment"]
RANGES_PER_CONNECTION = 2  # more ranges than connections, so one heavy range does not leave the rest idle

# The map's 25 cells, the first rule by id winning a cell.
RFM_CELLS = """
    SELECT DISTINCT ON (r, f) r, f, rule.name
      FROM segments_rfmsegmentrule rule, generate_series(rule.r_min::int, rule.r_max::int) r,
           generate_series(rule.f_min::int, rule.f_max::int) f
     WHERE r BETWEEN 1 AND 5 AND f BETWEEN 1 AND 5
     ORDER BY r, f, rule.id
"""


def full_refresh_postgres(as_of: dt.date, zones: list[str]) -> int:
    """Recompute every member's statistics and RFM scores; returns the number of rows written.

    The caller holds the full-refresh lock inside its transaction (no other refresh uses the work tables).
    """
    size = max(1, settings.STATS_REFRESH_CONNECTIONS)
    steps = _Steps()
    stat_columns = ", ".join(STAT_COLUMNS)

    with _Workers(size) as workers:
        workers.map([_statements([
            f"DROP TABLE IF EXISTS {STAGE_TABLE}, {CHANGES_TABLE}",
            f"CREATE UNLOGGED TABLE {STAGE_TABLE} AS "
            f"SELECT member_id, {stat_columns}, TRUE AS is_new, TRUE AS stats_changed, "
            f"{', '.join(f'{c} AS stored_{c}' for c in STORED_RFM)} "
            f"FROM segments_memberstats WITH NO DATA",
            f"CREATE UNLOGGED TABLE {CHANGES_TABLE} AS "
            f"SELECT member_id, {stat_columns}, {', '.join(RFM_COLUMNS)}, TRUE AS is_new "
            f"FROM segments_memberstats WITH NO DATA"], fetch=False)])
        workers.map([_stage_statement(as_of, zones, id_range) for id_range in _id_ranges(size, RANGES_PER_CONNECTION)])
        steps.done("statistics")
        scores_sql, scores_params = _rfm_scores_sql(workers)
        names = _rfm_cell_names()
        steps.done("rfm_boundaries")
        # One range per connection: each scans the (unindexed) stage once, and the work is even.
        workers.map([_changes_statement(id_range, scores_sql, scores_params, names) for id_range in _id_ranges(size, 1)])
        steps.done("diff")
    written = _apply_changes(as_of)
    steps.done("write")
    logger.info("member_stats_full_refresh connections=%s %s", size, steps)
    return written


class _Steps:
    """Seconds per step, for the log line of a refresh."""

    def __init__(self):
        self.last, self.seconds = time.monotonic(), {}

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name], self.last = now - self.last, now

    def __str__(self):
        return " ".join(f"{name}={seconds:.1f}s" for name, seconds in self.seconds.items())


def _id_ranges(size: int, per_connection: int) -> list[tuple[int, int] | None]:
    """Member-id ranges, inclusive, covering every member; [None] (all at once) on one connection."""
    if size == 1:
        return [None]
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM customers_member")
        low, high = cursor.fetchone()
    if low is None:
        return []
    step = (high - low) // (size * per_connection) + 1
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


def _rfm_scores_sql(workers: "_Workers") -> tuple[str, list]:
    """SQL for r_score, f_score, m_score of a stage row, from the quintile boundaries.

    NTILE(5) over N buyers ordered by (key, member id) gives the first N mod 5 quintiles one row more;
    a buyer's score is 1 plus the number of quintile-ending rows ranked before it.
    """
    buyers = workers.map([_statements([f"SELECT COUNT(*) FROM {STAGE_TABLE} WHERE orders_count > 0"])])[0][0][0]
    if buyers == 0:
        return ", ".join(f"NULL::smallint AS {score}" for score in RFM_KEYS), []
    base, extra = divmod(buyers, 5)
    ends, end = [], 0
    for quintile in range(1, 5):
        end += base + (1 if quintile <= extra else 0)
        # With fewer than five buyers some quintiles are empty: their "last row" is the last buyer,
        # whom no one ranks after, so the comparison adds nothing.
        ends.append(min(end, buyers))
    # Sorting the money column costs about as much as the other two together, so on two connections it
    # runs alone; with more, each key has its own.
    keys = list(RFM_KEYS.values())
    groups = [["total_spent"], ["last_purchase_on", "orders_count"]] if workers.size == 2 else [[key] for key in keys]
    found = {}
    for group_found in workers.map([_quintile_ends(group, ends, buyers) for group in groups]):
        found.update(group_found)
    parts, params = [], []
    for score, key in RFM_KEYS.items():
        rows = found[key]
        parts.append("CASE WHEN orders_count > 0 THEN 1 + "
                     + " + ".join(f"(({key}, member_id) > (%s, %s))::int" for _ in rows) + f" END AS {score}")
        params += [value for row in rows for value in row]
    return ", ".join(parts), params


def _quintile_ends(keys: list[str], positions: list[int], buyers: int):
    """A job: {key: the (key, member id) of the buyer at each 1-based position in (key, member id) order}.

    Sorting one column (percentile_disc) and then picking the member among the few who share that
    key's value costs a third of ranking every buyer by the pair. The fraction (p - ½) / N lands in
    the middle of position p, so rounding cannot move it to a neighbour.
    """
    def job(on):
        found = {}
        fractions = [(position - 0.5) / buyers for position in positions]
        for key in keys:
            sort_key, back = SORT_AS.get(key, (key, lambda value: value))
            values = execute_tuned(on, [f"SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY {sort_key}) "
                                   f"FROM {STAGE_TABLE} WHERE orders_count > 0"], [fractions], fetch=True)[0][0]
            values = [back(value) for value in values]
            picks, params = [], []
            for position, value in zip(positions, values):
                # the k-th member id among those with this value, k = position - buyers ranked before it
                picks.append(f"(ARRAY_AGG(member_id ORDER BY member_id) FILTER (WHERE {key} = %s))"
                             f"[(%s - COUNT(*) FILTER (WHERE {key} < %s))::int]")
                params += [value, position, value]
            members = execute_tuned(on, [f"SELECT {', '.join(picks)} FROM {STAGE_TABLE} WHERE orders_count > 0"],
                               params, fetch=True)[0]
            found[key] = list(zip(values, members))
        return found

    return job


def _stage_statement(as_of: dt.date, zones: list[str], id_range):
    """A job: the fresh statistics of `id_range` (all when None) into the stage, each row with whether it
    differs from the stored one and the stored RFM scores, read in the same merge by member id.
    """
    select_sql, params = stats_select_postgres(as_of, None, zones, id_range)
    in_range, range_params = ("WHERE member_id BETWEEN %s AND %s", list(id_range)) if id_range else ("", [])
    stored = f"(SELECT * FROM segments_memberstats {in_range})" if id_range else "segments_memberstats"
    changed = " OR ".join(f"s.{c} IS DISTINCT FROM n.{c}" for c in STAT_COLUMNS)
    sql = f"""
        INSERT INTO {STAGE_TABLE} (member_id, {", ".join(STAT_COLUMNS)}, is_new, stats_changed,
                                   {", ".join(f"stored_{c}" for c in STORED_RFM)})
        SELECT n.member_id, {", ".join(f"n.{c}" for c in STAT_COLUMNS)}, s.member_id IS NULL,
               s.member_id IS NULL OR {changed}, {", ".join(f"s.{c}" for c in STORED_RFM)}
          FROM ({select_sql}) n LEFT JOIN {stored} s ON s.member_id = n.member_id
    """
    return _statements([sql], [*params, *range_params], fetch=False)


def _rfm_cell_names() -> list[str]:
    """The map's segment name of each (R, F) cell at index (R - 1) * 5 + F - 1; '' where no rule covers it."""
    names = [""] * 25
    with connection.cursor() as cursor:
        cursor.execute(RFM_CELLS)
        for r, f, name in cursor.fetchall():
            names[(r - 1) * 5 + f - 1] = name
    return names


def _changes_statement(id_range, scores_sql: str, scores_params: list, cell_names: list[str]):
    """A job: the rows of `id_range` (all when None) that are new, whose statistics changed, or whose RFM
    scores or segment changed, scored, into the changes table.

    The segment name is looked up in an array of the 25 cells rather than joined: the unanalysed stage
    gives the planner no row count to choose a join by.
    """
    columns = [*STAT_COLUMNS, *RFM_COLUMNS]
    in_range, range_params = ("WHERE member_id BETWEEN %s AND %s", list(id_range)) if id_range else ("", [])
    rfm_changed = " OR ".join(f"n.stored_{c} IS DISTINCT FROM n.{c}" for c in STORED_RFM)
    sql = f"""
        INSERT INTO {CHANGES_TABLE} (member_id, {", ".join(columns)}, is_new)
        SELECT n.member_id, {", ".join(f"n.{c}" for c in columns)}, n.is_new
          FROM (SELECT scored.*,
                       COALESCE(scored.r_score::text || scored.f_score::text || scored.m_score::text, '') AS rfm_code,
                       CASE WHEN scored.r_score IS NULL THEN ''
                            ELSE (%s::text[])[(scored.r_score - 1) * 5 + scored.f_score] END AS rfm_segment
                  -- OFFSET 0 keeps the scores computed once per row, not once per reference
                  FROM (SELECT stage.*, {scores_sql} FROM {STAGE_TABLE} stage {in_range} OFFSET 0) scored) n
         WHERE n.stats_changed OR {rfm_changed}
    """
    return _statements([sql], [cell_names, *scores_params, *range_params], fetch=False)


def _apply_changes(as_of: dt.date) -> int:
    """Write the changed rows and insert the new ones, in the caller's transaction."""
    columns = [*STAT_COLUMNS, *RFM_COLUMNS]
    sql = f"""WITH updated AS (
                    UPDATE segments_memberstats s
                       SET {", ".join(f"{c} = n.{c}" for c in columns)}, refreshed_on = %s
                      FROM {CHANGES_TABLE} n WHERE s.member_id = n.member_id AND NOT n.is_new
                    RETURNING 1),
                inserted AS (
                    INSERT INTO segments_memberstats (member_id, {", ".join(columns)}, refreshed_on)
                    SELECT n.member_id, {", ".join(f"n.{c}" for c in columns)}, %s
                      FROM {CHANGES_TABLE} n WHERE n.is_new ORDER BY n.member_id
                    RETURNING 1)
                SELECT (SELECT COUNT(*) FROM updated) + (SELECT COUNT(*) FROM inserted)"""
    # Through execute_tuned, so the write runs without the JIT too, as every other step does.
    return execute_tuned(connection, [sql], [as_of, as_of], fetch=True)[0][0]


# Where the work runs: on the caller's connection (one connection), or on new connections that commit.

def _statements(statements: list[str], params: list | None = None, fetch: bool = True):
    """A job that runs `statements` (the last with `params`) and returns the last one's rows if `fetch`."""
    return lambda on: execute_tuned(on, statements, params or [], fetch)


class _Workers:
    """Runs jobs, job(connection) -> result: on the caller's connection when `size` is 1, otherwise on
    `size` threads, each with a connection of its own for the whole refresh that commits after each job.
    """

    def __init__(self, size: int):
        self.size = size

    def __enter__(self):
        if self.size > 1:
            self.pool = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="member-stats")
            self.local, self.opened, self.lock = threading.local(), [], threading.Lock()
        return self

    def map(self, jobs: list) -> list:
        if self.size == 1:
            return [job(connection) for job in jobs]
        return list(self.pool.map(self._run, jobs))

    def _run(self, job):
        own = getattr(self.local, "connection", None)
        if own is None:
            own = connections.create_connection("default")
            own.inc_thread_sharing()  # closed by the caller's thread at the end
            own.set_autocommit(False)
            with own.cursor() as cursor:  # the connections are the parallelism: no extra worker processes
                cursor.execute("SET max_parallel_workers_per_gather = 0")
            self.local.connection = own
            with self.lock:
                self.opened.append(own)
        try:
            result = job(own)
        except Exception:
            own.rollback()
            raise
        own.commit()
        return result

    def __exit__(self, *exc_info):
        if self.size > 1:
            self.pool.shutdown()
            for own in self.opened:
                own.close()


def execute_tuned(on, statements: list[str], params: list, fetch: bool):
    """Run `statements` on the connection `on` (the last one with `params`); the last one's rows if `fetch`.

    Every statistics statement runs this way (tune_for_bulk_pass: no JIT, sorts and hashes in memory).
    """
    with on.cursor() as cursor:
        tune_for_bulk_pass(cursor)
        for number, sql in enumerate(statements, start=1):
            cursor.execute(sql, params if number == len(statements) else None)
        return cursor.fetchall() if fetch else None
