"""Recompute every member's lifecycle stage, set-based, one member-id range per transaction."""
import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.sql import distinct_from, is_postgres, tune_for_bulk_pass
from core.timezones import shop_day_start, shop_today
from customers.models import Member

from .models import LifecycleStage
from .queries import StageRule, changes_query
from .signals import stage_transitions_recorded

logger = logging.getLogger(__name__)


@dataclass
class RecomputeResult:
    as_of: dt.date
    moves: Counter = field(default_factory=Counter)  # (from slug, to slug) -> members; "active" = no stage
    ranges: int = 0
    seconds: float = 0.0

    @property
    def moved(self) -> int:
        return sum(self.moves.values())


def stage_rules(overrides: dict[int, LifecycleStage] | None = None) -> list[StageRule]:
    """The saved stages, with unsaved edits from `overrides` (stage id -> edited instance) applied."""
    stages = {stage.pk: stage for stage in LifecycleStage.objects.all()}
    stages.update(overrides or {})
    return [StageRule(s.pk, s.min_orders, s.max_orders, s.entry_day) for s in stages.values()]


def member_id_ranges(range_size: int | None = None) -> list[tuple[int, int]]:
    size = range_size or settings.LIFECYCLE_RANGE_SIZE
    low = Member.objects.order_by("id").values_list("id", flat=True).first()
    high = Member.objects.order_by("-id").values_list("id", flat=True).first()
    if low is None:
        return []
    return [(start, min(start + size - 1, high)) for start in range(low, high + 1, size)]


def _slug_names() -> dict[int | None, str]:
    return {None: "active", **dict(LifecycleStage.objects.values_list("id", "slug"))}


def lifecycle_dry_run(*, as_of: dt.date | None = None, overrides: dict[int, LifecycleStage] | None = None) -> Counter:
    """How many members would move from which stage to which; writes nothing."""
    as_of = as_of or shop_today()
    rules, names, moves = stage_rules(overrides), _slug_names(), Counter()
    for id_range in member_id_ranges():
        sql, params = changes_query(rules, as_of, id_range)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT from_stage_id, to_stage_id, COUNT(*) FROM ({sql}) changes GROUP BY 1, 2", params)
            for from_id, to_id, count in cursor.fetchall():
                moves[(names[from_id], names[to_id])] += count
    return moves


@transaction.atomic
def lifecycle_recompute_range(*, as_of: dt.date, id_range: tuple[int, int]) -> Counter:
    """Move the members of one id range to their stage for `as_of` and record each move once.

    Idempotent: the current stage and the transitions are written in one transaction, so a second run
    for the same day finds nothing to change, and a crash leaves the range as it was before. If a
    member moves twice on one day (thresholds edited in between) the day keeps one transition, from the
    day's first stage to the last; a move back to where the day started leaves none.
    """
    distinct = distinct_from()
    sql, params = changes_query(stage_rules(), as_of, id_range)
    now, entered_at = timezone.now(), shop_day_start(as_of)
    with connection.cursor() as cursor:
        tune_for_bulk_pass(cursor)
        if is_postgres():
            # Two runs of the same range at once queue up instead of interleaving.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_100, id_range[0] % 2_000_000_000])
            # For the changes query below: grouping the orders in member order (the covering index) and
            # merging with the stages beats hashing a million members, but the planner, which
            # underestimates members per order by ten times, picks the hash.
            cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute("DROP TABLE IF EXISTS lifecycle_changes")
        cursor.execute(f"CREATE TEMP TABLE lifecycle_changes AS {sql}", params)
        if is_postgres():
            cursor.execute("SET LOCAL enable_hashagg = on")
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM lifecycle_stagetransition WHERE occurred_on = %s AND member_id BETWEEN %s AND %s)",
            [as_of, *id_range],
        )
        if cursor.fetchone()[0]:
            _merge_with_moves_already_recorded(cursor, as_of)
        cursor.execute(
            f"""INSERT INTO lifecycle_stagetransition
                    (member_id, from_stage_id, to_stage_id, occurred_on, created_at, completed_orders,
                     days_since_last_purchase)
                SELECT member_id, from_stage_id, to_stage_id, %s, %s, orders, days FROM lifecycle_changes
                 WHERE to_stage_id {distinct} from_stage_id""",
            [as_of, now],
        )
        cursor.execute(
            """INSERT INTO lifecycle_memberlifecycle (member_id, stage_id, entered_at)
               SELECT member_id, to_stage_id, %s FROM lifecycle_changes WHERE true
               ON CONFLICT (member_id) DO UPDATE SET stage_id = excluded.stage_id, entered_at = excluded.entered_at""",
            [entered_at],
        )
        cursor.execute(f"""SELECT from_stage_id, to_stage_id, COUNT(*) FROM lifecycle_changes
                             WHERE to_stage_id {distinct} from_stage_id GROUP BY 1, 2""")
        names = _slug_names()
        moves = Counter({(names[f], names[t]): n for f, t, n in cursor.fetchall()})
        cursor.execute("DROP TABLE lifecycle_changes")
    if moves:
        transaction.on_commit(lambda: stage_transitions_recorded.send(
            sender=LifecycleStage, occurred_on=as_of, member_id_range=id_range))
    return moves


def _merge_with_moves_already_recorded(cursor, as_of):
    """A member already moved today keeps one transition for the day, from the day's first stage."""
    cursor.execute(
        """UPDATE lifecycle_changes SET from_stage_id = (
               SELECT t.from_stage_id FROM lifecycle_stagetransition t
                WHERE t.member_id = lifecycle_changes.member_id AND t.occurred_on = %s)
            WHERE EXISTS (SELECT 1 FROM lifecycle_stagetransition t
                           WHERE t.member_id = lifecycle_changes.member_id AND t.occurred_on = %s)""",
        [as_of, as_of],
    )
    cursor.execute(
        """DELETE FROM lifecycle_stagetransition
            WHERE occurred_on = %s AND member_id IN (SELECT member_id FROM lifecycle_changes)""",
        [as_of],
    )


def lifecycle_recompute(*, as_of: dt.date | None = None, range_size: int | None = None, on_range=None) -> RecomputeResult:
    """Recompute every member's stage for `as_of` (default today), range by range, in this process."""
    started = time.monotonic()
    result = RecomputeResult(as_of=as_of or shop_today())
    ranges = member_id_ranges(range_size)
    for number, id_range in enumerate(ranges, start=1):
        result.moves.update(lifecycle_recompute_range(as_of=result.as_of, id_range=id_range))
        result.ranges = number
        if on_range:
            on_range(number, len(ranges), result)
    result.seconds = time.monotonic() - started
    logger.info("lifecycle_recompute_finished as_of=%s ranges=%s moved=%s seconds=%.1f",
                result.as_of, result.ranges, result.moved, result.seconds)
    return result


MEMBER_RANGE_GAP = 5_000  # ids further apart than this are recomputed in separate ranges


def member_ranges_covering(member_ids, *, range_size: int | None = None) -> list[tuple[int, int]]:
    """Few id ranges that cover `member_ids`: close ids share a range, no range is wider than `range_size`."""
    size = range_size or settings.LIFECYCLE_RANGE_SIZE
    ranges: list[list[int]] = []
    for member_id in sorted(set(member_ids)):
        if ranges and member_id - ranges[-1][1] <= MEMBER_RANGE_GAP and member_id - ranges[-1][0] < size:
            ranges[-1][1] = member_id
        else:
            ranges.append([member_id, member_id])
    return [(low, high) for low, high in ranges]


def lifecycle_recompute_members(*, member_ids, as_of: dt.date | None = None) -> Counter:
    """Move `member_ids` (and the members whose ids lie between them) to today's stage, range by range.

    The same idempotent step as the daily recompute (lifecycle_recompute_range), so members outside the
    given ones only move where the nightly run would move them too.
    """
    as_of = as_of or shop_today()
    moves = Counter()
    for id_range in member_ranges_covering(member_ids):
        moves.update(lifecycle_recompute_range(as_of=as_of, id_range=id_range))
    return moves
