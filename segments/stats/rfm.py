"""RFM scores of some members, ranked against every buyer's stored statistics (after an import)."""
from django.db import connection, transaction

from core.sql import is_postgres

from .queries import RFM_COLUMNS
from .refresh import REFRESH_LOCK, RFM_SELECT

# SQLite takes at most 32,766 parameters in a statement; PostgreSQL gets the ids as one array.
SQLITE_IDS_PER_STATEMENT = 20_000


@transaction.atomic
def member_rfm_rescore(*, member_ids) -> int:
    """Give `member_ids` the R, F and M quintiles and map cell they fall in among all buyers today.

    Reads the stored statistics (refresh them first); the other members keep their scores until the
    nightly full refresh re-ranks everyone. One UPDATE … FROM a window over the statistics table per call
    (per 20,000 ids on SQLite); rows whose scores did not change are not rewritten. Returns rows written.
    """
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    ranked = RFM_SELECT.format(stats="SELECT member_id, orders_count, total_spent, last_purchase_on "
                                     "FROM segments_memberstats")
    assignments = ", ".join(f"{column} = ranked.{column}" for column in RFM_COLUMNS)
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
            changed = " OR ".join(f"s.{column} IS DISTINCT FROM ranked.{column}" for column in RFM_COLUMNS)
            cursor.execute(f"""UPDATE segments_memberstats s SET {assignments}
                                 FROM ({ranked}) ranked
                                WHERE s.member_id = ranked.member_id AND s.member_id = ANY(%s) AND ({changed})""",
                           [ids])
            return cursor.rowcount
        written = 0
        changed = " OR ".join(f"segments_memberstats.{column} IS NOT ranked.{column}" for column in RFM_COLUMNS)
        for start in range(0, len(ids), SQLITE_IDS_PER_STATEMENT):
            chunk = ids[start:start + SQLITE_IDS_PER_STATEMENT]
            cursor.execute(f"""UPDATE segments_memberstats SET {assignments}
                                 FROM ({ranked}) ranked
                                WHERE segments_memberstats.member_id = ranked.member_id
                                  AND ranked.member_id IN ({", ".join(["%s"] * len(chunk))}) AND ({changed})""",
                           chunk)
            written += cursor.rowcount
        return written
