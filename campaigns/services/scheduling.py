"""Turn trigger occurrences into campaign entries and planned steps, set-based (INSERT … SELECT).

Every insert is idempotent per trigger occurrence: entries are unique per (campaign, member,
occurrence), outbox rows per dedupe key (step, member, occurrence), planned actions per (step, entry);
running any of these twice, or after a crash half way, adds nothing twice.
"""
import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from core.sql import is_postgres, timestamp_param
from core.timezones import shop_day_start, shop_today
from customers.models import Member

from ..models import Action, Campaign, CampaignSettings, CampaignStep, Trigger
from .holdout import holdout_bucket_sql

logger = logging.getLogger(__name__)


def _add_days(column: str, days: int) -> str:
    if is_postgres():
        return f"({column} + interval '{int(days)} days')"
    # Django keeps SQLite timestamps as text with microseconds; keep them (substr from the '.').
    return f"(strftime('%%Y-%%m-%%d %%H:%%M:%%S', {column}, '+{int(days)} days') || substr({column}, 20))"


def _concat(*parts: str) -> str:
    return " || ".join(parts)


def _audience_sql(campaign: Campaign) -> str:
    """The campaign's audience segment as a condition on src.member_id ("true" when it has none).

    Segment and broadcast triggers already select from their segment; for the other triggers the segment,
    when set, limits who may enter.
    """
    if not campaign.segment_id or campaign.trigger in (Trigger.SEGMENT_ENTERED, Trigger.BROADCAST):
        return "true"
    return f"""EXISTS (SELECT 1 FROM segments_segmentmembership sm
                        WHERE sm.member_id = src.member_id AND sm.segment_id = {int(campaign.segment_id)})"""


def _outranked_sql(campaign: Campaign, occurrence_sql: str) -> str:
    """False for members who entered (treated or held out) a higher-priority campaign of the same stage for
    the same occurrence; "true" for campaigns without a priority, which do not compete."""
    if campaign.priority is None or campaign.trigger != Trigger.STAGE_ENTERED:
        return "true"
    return f"""NOT EXISTS (SELECT 1 FROM campaigns_campaignentry rival
                             JOIN campaigns_campaign rc ON rc.id = rival.campaign_id
                            WHERE rival.member_id = src.member_id AND rival.occurrence = {occurrence_sql}
                              AND rc.trigger = 'stage_entered' AND rc.stage_id = {int(campaign.stage_id)}
                              AND rc.priority > {int(campaign.priority)})"""


def _first_entry_sql(campaign: Campaign) -> str:
    """For a campaign a member enters once: false for members who already entered it ("true" otherwise)."""
    if not campaign.enters_once:
        return "true"
    return f"""NOT EXISTS (SELECT 1 FROM campaigns_campaignentry prev
                             WHERE prev.campaign_id = {int(campaign.pk)} AND prev.member_id = src.member_id)"""


def entries_insert(*, campaign: Campaign, members_sql: str, params: list, occurrence_sql: str,
                   triggered_at_sql: str) -> int:
    """Enter the members `members_sql` selects (columns: member_id, occurrence, triggered_at named by the
    two SQL expressions) into `campaign`, holding out its share. Only members of the campaign's audience
    segment enter, none who already entered a higher-priority campaign of the same stage for the same
    occurrence, and, for a campaign entered once (`enters_once`), none who entered it before (`members_sql`
    then selects one row per member). Returns the number of new entries."""
    campaign_id = int(campaign.pk)  # integers inlined: the hash repeats the id
    bucket = holdout_bucket_sql("src.member_id", str(campaign_id))
    sql = f"""
        INSERT INTO campaigns_campaignentry (campaign_id, member_id, occurrence, triggered_at, is_holdout)
        SELECT {campaign_id}, src.member_id, {occurrence_sql}, {triggered_at_sql}, ({bucket} < {int(campaign.holdout_percent)})
          FROM ({members_sql}) src
         WHERE {_audience_sql(campaign)} AND {_outranked_sql(campaign, occurrence_sql)} AND {_first_entry_sql(campaign)}
        ON CONFLICT (campaign_id, member_id, occurrence) DO NOTHING"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def steps_plan(*, campaign: Campaign, since: dt.datetime) -> tuple[int, int]:
    """Plan every step for the campaign's non-holdout entries triggered since `since`.

    Returns (messages, actions) newly queued. Messages are due on the trigger day plus the step's
    offset (the send rules then pick the member's hour) and expire at the end of the action window.
    """
    if campaign.is_journey:
        # A journey plans each step when a member reaches its action node; tell it members entered.
        from ..signals import journey_entries_recorded

        journey_entries_recorded.send(sender=Campaign, campaign=campaign, since=since)
        return 0, 0
    window_start, window_end = campaign.effective_action_window
    messages = actions = 0
    base = "FROM campaigns_campaignentry e WHERE e.campaign_id = %s AND NOT e.is_holdout AND e.triggered_at >= %s"
    base_params = [campaign.pk, timestamp_param(since)]
    for step in campaign.steps.all():
        offset = max(step.day_offset, window_start)
        due_at = _add_days("e.triggered_at", offset)
        if step.action == Action.MESSAGE:
            message_due, message_from = due_at, base
            # An event campaign's message answers what the member just did: due when the delay ends (the
            # send rules still keep quiet hours), not at tomorrow's best hour.
            if is_postgres() and not (campaign.trigger == Trigger.EVENT and offset == 0):
                message_due, message_from = _best_hour_due(offset), _best_hour_from(base)
            messages += step_entries_plan(step=step, from_sql=message_from, params=base_params, due_sql=message_due,
                                          expires_sql=_add_days("e.triggered_at", window_end + 1))
        else:
            actions += step_entries_plan(step=step, from_sql=base, params=base_params, due_sql=due_at)
    return messages, actions


def step_entries_plan(*, step: CampaignStep, from_sql: str, params: list, due_sql: str,
                      expires_sql: str = "NULL") -> int:
    """Queue `step` for the entries `e` that `from_sql` ("FROM campaigns_campaignentry e …", with `params`) selects:
    a message as an outbox row (dedupe key step × member × occurrence), another action as a PlannedAction (unique
    per step and entry), due at `due_sql`. Idempotent; returns the rows newly queued. Journeys call it when members
    reach an action node."""
    now = timezone.now()
    with connection.cursor() as cursor:
        if step.action == Action.MESSAGE:
            cursor.execute(f"""
                INSERT INTO campaigns_outboxmessage
                    (dedupe_key, purpose, member_id, channel, "to", subject, body, payload, campaign_step_id,
                     entry_id, status, reason, due_at, expires_at, attempts, claimed_by, sent_channel, sent_to,
                     provider_id, created_at)
                SELECT {_concat("'step:'", "CAST(%s AS TEXT)", "':'", "CAST(e.member_id AS TEXT)", "':'", "e.occurrence")},
                       'marketing', e.member_id, %s, '', '', '', '{{}}', %s, e.id, 'pending', '', {due_sql},
                       {expires_sql}, 0, '', '', '', '', %s
                  {from_sql}
                ON CONFLICT (dedupe_key) DO NOTHING""",
                [step.pk, step.channel, step.pk, timestamp_param(now), *params])
        else:
            cursor.execute(f"""
                INSERT INTO campaigns_plannedaction (entry_id, step_id, due_at, status, reason, result_ref)
                SELECT e.id, %s, {due_sql}, 'pending', '', '' {from_sql}
                ON CONFLICT (step_id, entry_id) DO NOTHING""",
                [step.pk, *params])
        return cursor.rowcount


def entries_pending_withdraw(*, entries_sql: str, params: list, reason: str) -> tuple[int, int]:
    """Withdraw what is still queued for the entries `entries_sql` selects (one column: entry ids): pending outbox
    messages become suppressed, pending planned actions skipped, both with `reason`. A message a worker already
    claimed goes out. Returns (messages, actions) withdrawn."""
    with connection.cursor() as cursor:
        cursor.execute(f"""UPDATE campaigns_outboxmessage SET status = 'suppressed', reason = %s
                            WHERE status = 'pending' AND entry_id IN ({entries_sql})""", [reason, *params])
        messages = cursor.rowcount
        cursor.execute(f"""UPDATE campaigns_plannedaction SET status = 'skipped', reason = %s
                            WHERE status = 'pending' AND entry_id IN ({entries_sql})""", [reason, *params])
        return messages, cursor.rowcount


def _best_hour_due(offset: int) -> str:
    """PostgreSQL: the member's best hour (quiet hours respected) on the due day in their own zone, so the
    worker does not have to claim and defer every message once. The send rules still check it."""
    rules = CampaignSettings.current()
    default = rules.quiet_hours_end if rules.is_quiet(rules.default_send_hour) else rules.default_send_hour
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    if start == end:
        quiet = "false"
    elif start > end:
        quiet = f"(st.top_open_hour >= {int(start)} OR st.top_open_hour < {int(end)})"
    else:
        quiet = f"(st.top_open_hour >= {int(start)} AND st.top_open_hour < {int(end)})"
    best = f"CASE WHEN st.top_open_hour IS NULL THEN {int(default)} WHEN {quiet} THEN {int(end)} ELSE st.top_open_hour END"
    zone = "COALESCE(z.name, 'UTC')"
    # the trigger's shop day plus the offset, at the best hour on the member's own clock
    shop_zone = settings.SHOP_TIME_ZONE.replace("'", "")
    local_day = f"((e.triggered_at AT TIME ZONE '{shop_zone}')::date + {int(offset)})"
    return (f"GREATEST(({local_day} + make_interval(hours => {best})) AT TIME ZONE {zone}, "
            f"e.triggered_at + interval '{int(offset)} days')")


def _best_hour_from(base: str) -> str:
    joins = """FROM campaigns_campaignentry e
                JOIN customers_member m ON m.id = e.member_id
                LEFT JOIN segments_memberstats st ON st.member_id = e.member_id
                LEFT JOIN (SELECT name FROM pg_timezone_names) z ON z.name = m.timezone"""
    return base.replace("FROM campaigns_campaignentry e", joins, 1)


def _active(campaigns: QuerySet[Campaign] | None, trigger: str) -> QuerySet[Campaign]:
    """The campaigns a pass runs: the active ones of `trigger`, or of `campaigns` when given (a dry run
    of one campaign, active or not)."""
    chosen = Campaign.objects.filter(is_active=True) if campaigns is None else campaigns
    return chosen.filter(trigger=trigger)


def _queryset_sql(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


@transaction.atomic
def campaigns_enter_stage(*, occurred_on: dt.date, member_id_range: tuple[int, int] | None = None,
                          campaigns: QuerySet[Campaign] | None = None) -> int:
    """Enter the day's stage transitions (optionally one member-id range) into stage campaigns, and plan them."""
    entered = 0
    low, high = member_id_range or (0, 2**62)
    triggered_at = shop_day_start(occurred_on)
    # Highest priority first, so that lower-priority campaigns of the same stage see who it took.
    stage_campaigns = _active(campaigns, Trigger.STAGE_ENTERED).select_related("stage")
    for campaign in stage_campaigns.order_by(F("priority").desc(nulls_last=True), "pk"):
        entered += entries_insert(
            campaign=campaign,
            members_sql="""SELECT member_id FROM lifecycle_stagetransition
                            WHERE occurred_on = %s AND to_stage_id = %s AND member_id BETWEEN %s AND %s""",
            params=[occurred_on if is_postgres() else occurred_on.isoformat(), campaign.stage_id, low, high],
            occurrence_sql=f"'stage:{occurred_on.isoformat()}'",
            triggered_at_sql=f"'{timestamp_param(triggered_at)}'" if not is_postgres()
            else f"'{triggered_at.isoformat()}'::timestamptz",
        )
        steps_plan(campaign=campaign, since=triggered_at)
    return entered


@transaction.atomic
def campaigns_enter_segments(*, since: dt.datetime, campaigns: QuerySet[Campaign] | None = None) -> int:
    """Enter segment entries recorded since `since` into segment campaigns, and plan them."""
    entered = 0
    for campaign in _active(campaigns, Trigger.SEGMENT_ENTERED):
        entered += entries_insert(
            campaign=campaign,
            members_sql="""SELECT member_id, version, occurred_at FROM segments_segmentmembershipchange
                            WHERE segment_id = %s AND kind = 'entered' AND occurred_at >= %s""",
            params=[campaign.segment_id, timestamp_param(since)],
            occurrence_sql=_concat("'segment:'", "CAST(src.version AS TEXT)"),
            triggered_at_sql="src.occurred_at",
        )
        steps_plan(campaign=campaign, since=since - dt.timedelta(days=30))
    return entered


def _enter_members(campaign: Campaign, members: QuerySet, occurrence: str, triggered_at: dt.datetime) -> int:
    sql, params = _queryset_sql(members.order_by().values("id"))
    entered = entries_insert(
        campaign=campaign, members_sql=f"SELECT m.id AS member_id FROM ({sql}) m", params=params,
        occurrence_sql=f"'{occurrence}'",
        triggered_at_sql=f"'{triggered_at.isoformat()}'::timestamptz" if is_postgres()
        else f"'{timestamp_param(triggered_at)}'",
    )
    steps_plan(campaign=campaign, since=triggered_at)
    return entered


@transaction.atomic
def campaigns_enter_birthdays(*, day: dt.date, campaigns: QuerySet[Campaign] | None = None) -> int:
    members = Member.objects.filter(birth_date__month=day.month, birth_date__day=day.day)
    return sum(_enter_members(c, members, f"birthday:{day.year}", shop_day_start(day))
               for c in _active(campaigns, Trigger.BIRTHDAY))


@transaction.atomic
def campaigns_enter_replenishment(*, day: dt.date, campaigns: QuerySet[Campaign] | None = None) -> int:
    campaigns = list(_active(campaigns, Trigger.REPLENISHMENT_DUE))
    if not campaigns:
        return 0
    from analytics.replenishment import replenishment_due

    members = replenishment_due(as_of=day)
    return sum(_enter_members(c, members, f"replenish:{day.isoformat()}", shop_day_start(day)) for c in campaigns)


@transaction.atomic
def campaign_broadcast(*, campaign: Campaign) -> int:
    """Send a one-off broadcast to the segment's current members; a second launch adds nobody."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    launched_at = campaign.broadcast_launched_at or timezone.now()
    members = Member.objects.filter(segment_memberships__segment_id=campaign.segment_id)
    entered = _enter_members(campaign, members, "broadcast", launched_at)
    Campaign.objects.filter(pk=campaign.pk).update(broadcast_launched_at=launched_at)
    return entered


def campaigns_plan_due(*, day: dt.date | None = None) -> dict:
    """The periodic sweep: the last two days' stage transitions and segment entries (catching up on
    any signal that was lost), today's birthdays and replenishment reminders."""
    day = day or shop_today()
    result = {"stage": 0, "segment": 0, "birthday": 0, "replenishment": 0}
    for back in (1, 0):
        result["stage"] += campaigns_enter_stage(occurred_on=day - dt.timedelta(days=back))
    result["segment"] = campaigns_enter_segments(since=shop_day_start(day - dt.timedelta(days=1)))
    from .webhooks import webhooks_for_segment_entries, webhooks_for_stage_transitions

    result["webhooks"] = webhooks_for_segment_entries(since=shop_day_start(day - dt.timedelta(days=1)))
    for back in (1, 0):
        result["webhooks"] += webhooks_for_stage_transitions(occurred_on=day - dt.timedelta(days=back))
    result["birthday"] = campaigns_enter_birthdays(day=day)
    result["replenishment"] = campaigns_enter_replenishment(day=day)
    logger.info("campaigns_plan_finished day=%s %s", day, " ".join(f"{k}={v}" for k, v in result.items()))
    return result
