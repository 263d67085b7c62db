"""Writes: materialise segment membership, record who entered and left, keep size history."""
import csv
import io
import logging

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from customers.models import Member

from .models import DirtyMember, Segment, SegmentMembership, SegmentMembershipChange, SegmentSizeSnapshot
from .rules import rules_validate
from .selectors import rules_members

logger = logging.getLogger(__name__)


def segment_save_rules(*, segment: Segment, rules: dict) -> Segment:
    """Validate and store a rule tree (rejecting cycles through other segments)."""
    segment.rules = rules_validate(rules, segment_slug=segment.slug)
    segment.save(update_fields=["rules"])
    return segment


def _apply_changes(segment: Segment, desired_ids: set[int], current_ids: set[int], *, now) -> tuple[int, int]:
    entered, left = desired_ids - current_ids, current_ids - desired_ids
    version = segment.version + 1
    SegmentMembership.objects.filter(segment=segment, member_id__in=left).delete()
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(segment=segment, member_id=m, since=now) for m in entered], batch_size=5000)
    SegmentMembershipChange.objects.bulk_create(
        [SegmentMembershipChange(segment=segment, member_id=m, kind="entered", occurred_at=now, version=version)
         for m in entered]
        + [SegmentMembershipChange(segment=segment, member_id=m, kind="left", occurred_at=now, version=version)
           for m in left],
        batch_size=5000,
    )
    return len(entered), len(left)


@transaction.atomic
def segment_refresh(*, segment: Segment, member_ids: list[int] | None = None) -> tuple[int, int]:
    """Bring a dynamic segment's membership up to date (all members, or only `member_ids`).

    The segment row is locked for the whole refresh and the version bumped once, so two refreshes at
    once run one after the other and each entry or exit is recorded exactly once; a crash rolls back
    the whole refresh. Returns (entered, left).
    """
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.kind != Segment.Kind.DYNAMIC:
        return 0, 0
    now = timezone.now()
    desired = rules_members(segment.rules, segment_slug=segment.slug)
    current = SegmentMembership.objects.filter(segment=segment)
    if member_ids is not None:
        desired, current = desired.filter(pk__in=member_ids), current.filter(member_id__in=member_ids)
    entered, left = _apply_changes(segment, set(desired.values_list("pk", flat=True)),
                                   set(current.values_list("member_id", flat=True)), now=now)
    _stamp(segment, entered, left, now, snapshot=member_ids is None)
    return entered, left


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
    """Queue members whose data changed, for re-evaluation within minutes."""
    DirtyMember.objects.bulk_create([DirtyMember(member_id=m) for m in set(member_ids)], ignore_conflicts=True)


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
    entered, left = _apply_changes(segment, set(found.values()),
                                   set(SegmentMembership.objects.filter(segment=segment).values_list("member_id", flat=True)),
                                   now=now)
    _stamp(segment, entered, left, now, snapshot=True)
    return {"members": len(found), "unknown": sorted(set(rows) - set(found)), "entered": entered, "left": left}


