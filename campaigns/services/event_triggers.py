"""Event-triggered campaigns: enter members when their event's delay ends, unless they did the "unless" event since.

Run set-based per campaign, on PostgreSQL and SQLite alike: one `INSERT … SELECT` enters every member whose
triggering event (of the campaign's type) is at least `event_delay_seconds` old and was neither followed by the
campaign's `unless` event (e.g. an order) nor, within the delay, by a newer event of the same type (the latest
cart is the one that counts); one more plans the steps. The entry's occurrence is `event:<event pk>`, so each
event enters a member once however often this runs, and its message's dedupe key follows from it.

Who runs it: a task queued when the events commit (countdown = the delay, so a zero delay is handled within
seconds, not at the next sweep), and a sweep every minute that catches up on anything a lost task missed.
The "unless" is evaluated when the entry is made, i.e. when the delay has ended.
"""
import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from core.sql import is_postgres

from ..models import Campaign, Trigger
from .scheduling import entries_insert, steps_plan

logger = logging.getLogger(__name__)
SWEEP_WINDOW = dt.timedelta(minutes=15)  # the per-minute sweep looks this far back past the delay
CATCH_UP = dt.timedelta(days=2)  # an event older than this (past the delay) never enters: a backfill is not news


def _moment(value: dt.datetime):
    """A timestamp parameter compared with stored event times: SQLite keeps microseconds in its text, so the
    parameter must too (or an event of this very second would sort after it)."""
    if is_postgres():
        return value
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _seconds_after(column: str, seconds: int) -> str:
    if is_postgres():
        return f"({column} + make_interval(secs => {int(seconds)}))"
    return f"(strftime('%%Y-%%m-%%d %%H:%%M:%%f', {column}, '+{int(seconds)} seconds'))"


@transaction.atomic
def event_campaign_enter(*, campaign: Campaign, now: dt.datetime | None = None,
                         since: dt.datetime | None = None) -> int:
    """Enter the members whose triggering event, occurred since `since` (default: SWEEP_WINDOW before the delay
    ended; never more than CATCH_UP), has passed its delay by `now` (see the module docstring), and plan their
    steps. Idempotent. Returns the number of new entries."""
    now = now or timezone.now()
    delay = int(campaign.event_delay_seconds)
    due_by = now - dt.timedelta(seconds=delay)
    since = max(since or due_by - SWEEP_WINDOW, due_by - CATCH_UP)
    due_at = _seconds_after("e.occurred_at", delay)
    unless = ""
    if campaign.unless_event_type_id:
        unless = f"""AND NOT EXISTS (SELECT 1 FROM events_event u
                                      WHERE u.member_id = e.member_id AND u.type_id = {int(campaign.unless_event_type_id)}
                                        AND u.occurred_at >= e.occurred_at AND u.occurred_at >= %s)"""
    superseded = ""
    if delay:
        superseded = f"""AND NOT EXISTS (SELECT 1 FROM events_event n
                                          WHERE n.member_id = e.member_id AND n.type_id = e.type_id
                                            AND n.occurred_at >= %s
                                            AND (n.occurred_at > e.occurred_at OR (n.occurred_at = e.occurred_at AND n.id > e.id))
                                            AND n.occurred_at <= {due_at})"""
    earliest = ""
    if campaign.enters_once:  # of a member's events, only the earliest may enter (entries_insert skips the rest)
        earliest = """AND NOT EXISTS (SELECT 1 FROM events_event f
                                       WHERE f.member_id = e.member_id AND f.type_id = e.type_id
                                         AND f.occurred_at >= %s AND f.occurred_at <= %s
                                         AND (f.occurred_at < e.occurred_at OR (f.occurred_at = e.occurred_at AND f.id < e.id)))"""
    members_sql = f"""SELECT e.member_id, e.id AS event_pk, {due_at} AS due_at
                        FROM events_event e
                       WHERE e.type_id = %s AND e.member_id IS NOT NULL
                         AND e.occurred_at >= %s AND e.occurred_at <= %s
                         {unless} {superseded} {earliest}"""
    params = [campaign.event_type_id, _moment(since), _moment(due_by)]
    if unless:
        params.append(_moment(since))  # lets the planner prune old partitions of the unless probe
    if superseded:
        params.append(_moment(since))
    if earliest:
        params += [_moment(since), _moment(due_by)]
    entered = entries_insert(campaign=campaign, members_sql=members_sql, params=params,
                             occurrence_sql="'event:' || CAST(src.event_pk AS TEXT)", triggered_at_sql="src.due_at")
    if entered:
        steps_plan(campaign=campaign, since=since)
        from .outbox import outbox_kick

        transaction.on_commit(outbox_kick)
    logger.info("event_campaign_entered campaign=%s entered=%s", campaign.slug, entered)
    return entered


def event_campaigns_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every active event campaign, each in its own transaction (the per-minute beat task)."""
    return {campaign.slug: event_campaign_enter(campaign=campaign, now=now)
            for campaign in Campaign.objects.filter(is_active=True, trigger=Trigger.EVENT)}
