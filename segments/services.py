"""Writes: materialise segment membership, record who entered and left, keep size history."""
import csv
import io
import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import DomainError
from core.rows import model_insert
from customers.models import Member
from events.services import events_record_rows

from .models import DirtyMember, Segment, SegmentMembership, SegmentMembershipChange, SegmentSizeSnapshot
from .rules import rules_validate
from .selectors import rules_members

logger = logging.getLogger(__name__)


def segment_save_rules(*, segment: Segment, rules: dict) -> Segment:
    """Validate and store a rule tree (rejecting cycles through other segments)."""
    segment.rules = rules_validate(rules, segment_slug=segment.slug)
    segment.save(update_fields=["rules"])
    return segment


def _apply_changes(segment: Segment, desired, current, *, now) -> tuple[int, int]:
    """Make `current` memberships equal `desired` members, recording each entry and exit, all in SQL.

    `desired` is a Member queryset and `current` a SegmentMembership queryset (both possibly narrowed to
    some members); nothing is loaded into Python, so a segment of a million members costs a few statements.
    The first materialisation of a segment (version 0) only fills it: nobody "entered" a segment that did
    not exist yet, so it writes no change rows and a campaign triggered on entries does not fire for the
    initial fill (the size snapshot still records how many members it started with).
    """
    version = segment.version + 1
    desired_sql, desired_params = desired.values(sid=F("pk")).query.sql_with_params()
    current_sql, current_params = current.values(sid=F("member_id")).query.sql_with_params()
    when = now if connection.vendor == "postgresql" else now.isoformat(" ")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '128MB'")  # the anti-joins below hash a million ids in memory
        if segment.version == 0:
            # In member order, so the (segment, member) index is appended to rather than split at random.
            cursor.execute(f"INSERT INTO segments_segmentmembership (segment_id, member_id, since) "
                           f"SELECT %s, d.sid, %s FROM ({desired_sql}) d ORDER BY d.sid",
                           [segment.pk, when, *desired_params])
            return cursor.rowcount, 0
        # The rules are evaluated once into a temp table, then diffed both ways by hash anti-joins.
        for table in ("segment_desired", "segment_entered", "segment_left"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE segment_desired AS SELECT d.sid AS member_id FROM ({desired_sql}) d",
                       desired_params)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE segment_desired")
        cursor.execute(f"CREATE TEMP TABLE segment_entered AS SELECT d.member_id FROM segment_desired d "
                       f"WHERE NOT EXISTS (SELECT 1 FROM ({current_sql}) c WHERE c.sid = d.member_id)", current_params)
        cursor.execute(f"CREATE TEMP TABLE segment_left AS SELECT c.sid AS member_id FROM ({current_sql}) c "
                       f"WHERE NOT EXISTS (SELECT 1 FROM segment_desired d WHERE d.member_id = c.sid)", current_params)
        for table, kind in (("segment_entered", "entered"), ("segment_left", "left")):
            cursor.execute(
                f"INSERT INTO segments_segmentmembershipchange (segment_id, member_id, kind, occurred_at, version) "
                f"SELECT %s, member_id, %s, %s, %s FROM {table}", [segment.pk, kind, when, version])
        cursor.execute("DELETE FROM segments_segmentmembership WHERE segment_id = %s "
                       "AND member_id IN (SELECT member_id FROM segment_left)", [segment.pk])
        left = cursor.rowcount
        cursor.execute("INSERT INTO segments_segmentmembership (segment_id, member_id, since) "
                       "SELECT %s, member_id, %s FROM segment_entered ORDER BY member_id", [segment.pk, when])
        entered = cursor.rowcount
        for table in ("segment_desired", "segment_entered", "segment_left"):
            cursor.execute(f"DROP TABLE {table}")
    return entered, left


@transaction.atomic
def segment_refresh(*, segment: Segment, member_ids: list[int] | None = None) -> tuple[int, int]:
    """Bring a dynamic segment's membership up to date (all members, or only `member_ids`).

    The segment row is locked for the whole refresh and the version bumped once, so two refreshes at
    once run one after the other and each entry or exit is recorded exactly once; a crash rolls back
    the whole refresh. The first refresh fills the segment without change rows (see `_apply_changes`);
    a refresh of some members skips a segment that was never filled, leaving it to the full one.
    Returns (entered, left).
    """
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.kind != Segment.Kind.DYNAMIC or (member_ids is not None and segment.version == 0):
        return 0, 0
    now = timezone.now()
    desired = rules_members(segment.rules, segment_slug=segment.slug)
    current = SegmentMembership.objects.filter(segment=segment)
    if member_ids is not None:
        desired, current = desired.filter(pk__in=member_ids), current.filter(member_id__in=member_ids)
    entered, left = _apply_changes(segment, desired, current, now=now)
    if entered or left:
        _record_change_events(segment, version=segment.version + 1)
    _stamp(segment, entered, left, now, snapshot=member_ids is None)
    return entered, left


def _record_change_events(segment, *, version: int) -> None:
    """`segment_entered` / `segment_left` built-in events for this refresh's changes, in its transaction, set-based
    (the change row's id is the event id)."""
    for kind in ("entered", "left"):
        changes = (SegmentMembershipChange.objects.filter(segment=segment, version=version, kind=kind)
                   .values_list("pk", "member_id", "occurred_at").order_by("pk").iterator(chunk_size=10_000))
        events_record_rows(type_key=f"segment_{kind}", rows=(
            (f"segment-change:{pk}", member_id, occurred_at, {"segment": segment.slug, "segment_name": segment.name})
            for pk, member_id, occurred_at in changes))


def _stamp(segment, entered, left, now, *, snapshot):
    segment.version += 1
    segment.member_count = SegmentMembership.objects.filter(segment=segment).count()
    segment.refreshed_at = now
    segment.save(update_fields=["version", "member_count", "refreshed_at"])
    if snapshot or entered or left:
        SegmentSizeSnapshot.objects.create(segment=segment, taken_at=now, members=segment.member_count,
                                           entered=entered, left=left)


def segments_refresh_all() -> dict[str, tuple[int, int]]:
    """The periodic sweep: every active dynamic segment, each in its own transaction."""
    results = {}
    for segment in Segment.objects.filter(is_active=True, kind=Segment.Kind.DYNAMIC):
        results[segment.slug] = segment_refresh(segment=segment)
    logger.info("segments_refreshed segments=%s", len(results))
    return results


def members_mark_dirty(member_ids) -> None:
    """Queue members whose data changed, for re-evaluation within minutes (a member already queued keeps
    their mark)."""
    member_ids = set(member_ids)
    if len(member_ids) == 1:  # every order marks its member: one hand-written INSERT (core.rows), no compile
        model_insert(DirtyMember(member_id=member_ids.pop()), conflict=("member",))
        return
    DirtyMember.objects.bulk_create([DirtyMember(member_id=m) for m in member_ids], ignore_conflicts=True)


def dirty_members_refresh(*, limit: int = 50_000) -> int:
    """Re-evaluate queued members: their statistics, then every dynamic segment for them only."""
    from .stats import member_stats_refresh

    marked = list(DirtyMember.objects.order_by("marked_at").values_list("member_id", "marked_at")[:limit])
    if not marked:
        return 0
    ids = [member_id for member_id, _ in marked]
    member_stats_refresh(member_ids=ids)
    for segment in Segment.objects.filter(is_active=True, kind=Segment.Kind.DYNAMIC):
        segment_refresh(segment=segment, member_ids=ids)
    # A member marked again while we worked keeps their newer mark and is evaluated next time.
    for member_id, marked_at in marked:
        DirtyMember.objects.filter(member_id=member_id, marked_at=marked_at).delete()
    return len(ids)


@transaction.atomic
def segment_upload_static(*, segment: Segment, csv_text: str) -> dict:
    """Replace a static segment's members with the external ids of an uploaded CSV (one per line)."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.kind != Segment.Kind.STATIC:
        raise DomainError("Only static segments take an uploaded list.", code="not_static")
    rows = [row[0].strip() for row in csv.reader(io.StringIO(csv_text)) if row and row[0].strip()]
    if rows and rows[0].lower() == "external_id":
        rows = rows[1:]
    found = dict(Member.objects.filter(external_id__in=rows).values_list("external_id", "pk"))
    now = timezone.now()
    entered, left = _apply_changes(segment, Member.objects.filter(pk__in=list(found.values())),
                                   SegmentMembership.objects.filter(segment=segment), now=now)
    _stamp(segment, entered, left, now, snapshot=True)
    return {"members": len(found), "unknown": sorted(set(rows) - set(found)), "entered": entered, "left": left}


