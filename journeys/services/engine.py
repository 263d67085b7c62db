"""The journey engine: move every member who is due at a node, one statement per node and exit, never a loop over
members.

A pass, in one transaction holding the journey's row lock (so two advances of the same journey, from the beat
and from a kick, run one after the other and a member is never moved twice):
1. enter: a JourneyMember at the first node for at most ENTRY_CHUNK treated entries of the campaign not yet in the
   journey, oldest first (a burst of 170,000 entries is many short transactions, not one that never commits);
2. convert: members who converted (a completed order, or the journey's conversion event, after entering and within
   the campaign's conversion window) leave, and their messages still pending are withdrawn;
3. per node, in position order: an action plans its campaign step for the members there (the outbox row or planned
   action, idempotent per step and entry) and moves them on; a wait moves them on when the event happened (first
   exit) or its time is up (second exit, or the only one); a branch moves those meeting the condition by the first
   exit and the rest by the second; a split assigns each member a variant (kept if the member was assigned one at
   this split before) and moves them by it; an exit ends the journey. A member reaches the next node at the moment
   they were due where they were (or, leaving a wait by its event, at the event's time), not when an advance got
   round to them: a wait's timeout and its event window count from that moment.
Step 3 repeats while anyone moved, so a path without waits is run to its end in the same advance. Every arrival at
a node is logged as a JourneyVisit (unique per member row and seq: idempotent). `journey_advance` runs passes until
one enters fewer than a chunk; a pass that fails or is killed rolls back alone, and the next advance redoes it.
"""
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from campaigns.services.scheduling import entries_pending_withdraw, step_entries_plan
from core.sql import is_postgres, moment_param, seconds_after

from ..models import Journey, JourneyNode, NodeKind, SplitMode
from ..selectors import conversion_exists_sql
from .conditions import condition_sql
from ..splits import current_shares, split_bucket_sql, variant_case_sql

logger = logging.getLogger(__name__)
ENTRY_CATCH_UP = dt.timedelta(days=2)  # entries older than this are not picked up (they were, or are stale)
ENTRY_CHUNK = 2000  # entries per transaction: a chunk's pass takes about a second on the shared host
MAX_PASSES = 50  # the graph check forbids cycles without a wait; this only bounds a broken graph


@dataclass
class AdvanceResult:
    entered: int = 0
    converted: int = 0
    moved: int = 0
    planned: int = 0
    per_node: dict[int, int] = field(default_factory=dict)

    def add(self, other: "AdvanceResult") -> None:
        self.entered += other.entered
        self.converted += other.converted
        self.moved += other.moved
        self.planned += other.planned
        for node_id, moved in other.per_node.items():
            self.per_node[node_id] = self.per_node.get(node_id, 0) + moved


class _Advance:
    def __init__(self, journey: Journey, now: dt.datetime, *, entry_chunk: int, convert_everyone: bool):
        self.journey, self.now, self.at = journey, now, moment_param(now)
        self.entry_chunk, self.convert_everyone = entry_chunk, convert_everyone
        self.nodes = list(journey.nodes.select_related("step", "condition_node").prefetch_related("variants")
                          .order_by("position", "pk"))
        self.by_id = {node.pk: node for node in self.nodes}
        self.result = AdvanceResult()
        self.entered_ids: list[int] = []

    def execute(self, sql: str, params: list) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def returning_ids(self, sql: str, params: list) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} RETURNING id", params)
            return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def wake_at_sql(node: JourneyNode, arrival_sql: str) -> str:
        """When a member who reached `node` at `arrival_sql` is due there: a wait counts from the arrival, not
        from when an advance got round to moving the member."""
        if node.kind == NodeKind.WAIT:
            return seconds_after(arrival_sql, int(node.wait_seconds))
        return arrival_sql

    def due(self, node: JourneyNode, *, on_time: bool = True) -> tuple[str, list]:
        sql = "j.journey_id = %s AND j.node_id = %s AND j.status = 'active'"
        params = [self.journey.pk, node.pk]
        if on_time:
            sql += " AND j.wake_at <= %s"
            params.append(self.at)
        return sql, params

    def visits_log(self, member_row_ids: list[int]) -> None:
        """A visit for each of these members at the node they just reached."""
        step = 5000 if is_postgres() else 500  # SQLite: a short literal list
        for start in range(0, len(member_row_ids), step):
            part = member_row_ids[start:start + step]
            if is_postgres():
                chosen, params = "j.id = ANY(%s)", [part]
            else:
                chosen, params = f"j.id IN ({', '.join(str(int(pk)) for pk in part)})", []
            self.execute(f"""
                INSERT INTO journeys_journeyvisit (journey_member_id, seq, node_id, variant_id, at)
                SELECT j.id, j.seq, j.node_id, j.variant_id, j.node_entered_at FROM journeys_journeymember j
                 WHERE {chosen}
                ON CONFLICT (journey_member_id, seq) DO NOTHING""", params)

    def move(self, node: JourneyNode, where: str, params: list, target_id: int | None,
             arrival_sql: str = "j.wake_at") -> int:
        """Move the members at `node` that `where` selects to `target_id` (None: their journey ends there). They
        arrive at `arrival_sql`: when they were due at `node` (its wait's end, or their own arrival there), or
        for a wait's event exit, the event's time."""
        target = self.by_id.get(target_id)
        if target is None:
            moved = self.execute(f"UPDATE journeys_journeymember AS j SET status = 'done', wake_at = %s WHERE {where}",
                                 [self.at, *params])
        else:
            ids = self.returning_ids(f"""
                UPDATE journeys_journeymember AS j
                   SET node_id = %s, seq = seq + 1, node_entered_at = {arrival_sql},
                       wake_at = {self.wake_at_sql(target, arrival_sql)}
                 WHERE {where}""", [target.pk, *params])
            self.visits_log(ids)
            moved = len(ids)
        self.result.per_node[node.pk] = self.result.per_node.get(node.pk, 0) + moved
        return moved

    def enter(self) -> int:
        start = self.nodes[0]
        self.entered_ids = self.returning_ids(f"""
            INSERT INTO journeys_journeymember
                (journey_id, entry_id, member_id, node_id, status, entered_at, node_entered_at, wake_at, seq)
            SELECT %s, e.id, e.member_id, %s, 'active', e.triggered_at, e.triggered_at,
                   {self.wake_at_sql(start, "e.triggered_at")}, 0
              FROM campaigns_campaignentry e
             WHERE e.campaign_id = %s AND NOT e.is_holdout AND e.triggered_at >= %s AND e.triggered_at <= %s
               AND NOT EXISTS (SELECT 1 FROM journeys_journeymember x WHERE x.entry_id = e.id)
             ORDER BY e.id LIMIT %s
            ON CONFLICT (entry_id) DO NOTHING""",
            [self.journey.pk, start.pk, self.journey.campaign_id, moment_param(self.now - ENTRY_CATCH_UP), self.at,
             self.entry_chunk])
        self.visits_log(self.entered_ids)
        return len(self.entered_ids)

    def convert(self) -> int:
        converted_sql = conversion_exists_sql(self.journey, "j.member_id", "j.entered_at")
        # the first pass of an advance checks everyone; the chunks after it, only whom they entered
        if not self.convert_everyone and not self.entered_ids:
            return 0
        entered_now = "" if self.convert_everyone else f"AND j.id IN ({', '.join(str(int(pk)) for pk in self.entered_ids)})"
        converted = self.execute(f"""
            UPDATE journeys_journeymember AS j SET status = 'converted', converted_at = %s
             WHERE j.journey_id = %s AND j.status = 'active' {entered_now} AND {converted_sql}""",
            [self.at, self.journey.pk])
        if converted:
            entries_pending_withdraw(
                entries_sql="SELECT entry_id FROM journeys_journeymember WHERE journey_id = %s AND converted_at = %s",
                params=[self.journey.pk, self.at], reason="converted: left the journey")
        return converted

    def node_pass(self, node: JourneyNode) -> int:
        where, params = self.due(node)
        if node.kind == NodeKind.ACTION:
            days = max(1, self.journey.campaign.effective_action_window[1])
            self.result.planned += step_entries_plan(
                step=node.step, params=params,
                from_sql=f"FROM campaigns_campaignentry e JOIN journeys_journeymember j ON j.entry_id = e.id WHERE {where}",
                due_sql="j.wake_at", expires_sql=seconds_after("j.wake_at", days * 86400))
            return self.move(node, where, params, node.next_id)
        if node.kind == NodeKind.WAIT:
            moved = 0
            if node.wait_event_type_id:
                any_time, any_params = self.due(node, on_time=False)
                awaited = f"""FROM events_event ev
                               WHERE ev.member_id = j.member_id AND ev.type_id = {int(node.wait_event_type_id)}
                                 AND ev.occurred_at >= j.node_entered_at AND ev.occurred_at <= j.wake_at"""
                moved += self.move(node, f"{any_time} AND EXISTS (SELECT 1 {awaited})", any_params, node.next_id,
                                   arrival_sql=f"(SELECT MIN(ev.occurred_at) {awaited})")
                return moved + self.move(node, where, params, node.next_no_id)
            return self.move(node, where, params, node.next_id)
        if node.kind == NodeKind.BRANCH:
            condition = condition_sql(node)
            moved = self.move(node, f"{where} AND {condition}", params, node.next_id)
            return moved + self.move(node, f"{where} AND NOT {condition}", params, node.next_no_id)
        if node.kind == NodeKind.SPLIT:
            return self.split(node, where, params)
        return self.move(node, where, params, None)  # exit

    def split(self, node: JourneyNode, where: str, params: list) -> int:
        variants = list(node.variants.all())
        if not variants:
            return 0
        # the rule the results page shows: an adaptive split's stored shares once computed, else the weights
        shares = current_shares(adaptive=node.split_mode == SplitMode.ADAPTIVE, weights=[v.weight for v in variants],
                                traffic_shares=[v.traffic_share for v in variants])
        ids = [v.pk for v in variants]
        assigned = variant_case_sql(split_bucket_sql("j.member_id", str(int(node.pk))), shares, ids)
        # a member assigned at this split before (an earlier entry) keeps that variant: assign only the new ones
        self.execute(f"""
            INSERT INTO journeys_splitassignment (node_id, member_id, variant_id, assigned_at)
            SELECT DISTINCT {int(node.pk)}, j.member_id, {assigned}, %s FROM journeys_journeymember j WHERE {where}
            ON CONFLICT (node_id, member_id) DO NOTHING""", [self.at, *params])
        self.execute(f"""
            UPDATE journeys_journeymember AS j
               SET variant_id = (SELECT a.variant_id FROM journeys_splitassignment a
                                  WHERE a.node_id = {int(node.pk)} AND a.member_id = j.member_id)
             WHERE {where}""", params)
        # the visit at the split records the assignment (the A/B results count these, control groups included)
        self.execute(f"""
            UPDATE journeys_journeyvisit
               SET variant_id = (SELECT j.variant_id FROM journeys_journeymember j
                                  WHERE j.id = journeys_journeyvisit.journey_member_id)
             WHERE node_id = %s AND EXISTS (SELECT 1 FROM journeys_journeymember j
                                             WHERE j.id = journeys_journeyvisit.journey_member_id
                                               AND j.seq = journeys_journeyvisit.seq AND {where})""",
                     [node.pk, *params])
        return sum(self.move(node, f"{where} AND j.variant_id = {int(variant.pk)}", params, variant.next_id)
                   for variant in variants)

    def run(self) -> AdvanceResult:
        if not self.nodes:
            return self.result
        self.result.entered = self.enter()
        self.result.converted = self.convert()
        for _ in range(MAX_PASSES):
            moved = sum(self.node_pass(node) for node in self.nodes)
            self.result.moved += moved
            if not moved:
                break
        return self.result


def _journey_pass(*, journey_id: int, now: dt.datetime, entry_chunk: int, convert_everyone: bool) -> AdvanceResult:
    with transaction.atomic():
        journey = (Journey.objects.select_for_update(of=("self",)).select_related("campaign")
                   .filter(pk=journey_id, campaign__is_active=True).first())
        if journey is None:
            return AdvanceResult()
        result = _Advance(journey, now, entry_chunk=entry_chunk, convert_everyone=convert_everyone).run()
        if result.planned:
            from campaigns.services.outbox import outbox_kick

            transaction.on_commit(outbox_kick)  # planned actions run on their own per-minute beat
    return result


def journey_advance(*, journey_id: int, now: dt.datetime | None = None, entry_chunk: int = ENTRY_CHUNK) -> AdvanceResult:
    """Enter, convert and move every member of the journey who is due (see the module docstring), entering at most
    `entry_chunk` entries per transaction until none is left. Idempotent and safe to run concurrently: the journey's
    row lock serialises the passes, and each statement only enters entries not yet in and moves members still at
    its node; a pass killed half way rolls back alone. Does nothing for an inactive campaign."""
    total, first = AdvanceResult(), True
    while True:
        result = _journey_pass(journey_id=journey_id, now=now or timezone.now(), entry_chunk=entry_chunk,
                               convert_everyone=first)
        total.add(result)
        first = False
        logger.info("journey_advanced journey=%s entered=%s converted=%s moved=%s planned=%s", journey_id,
                    result.entered, result.converted, result.moved, result.planned)
        if result.entered < entry_chunk:
            return total


def journeys_advance_all(*, now: dt.datetime | None = None) -> dict[int, AdvanceResult]:
    """Every journey of an active campaign, each in its own transaction (the per-minute beat task)."""
    from .shares import adaptive_shares_refresh_due

    adaptive_shares_refresh_due(now=now)
    ids = Journey.objects.filter(campaign__is_active=True).values_list("pk", flat=True)
    return {pk: journey_advance(journey_id=pk, now=now) for pk in ids}
