"""The fixed sections of Member 360, each one query with a LIMIT whatever the member's history holds."""
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from customers.models import ConsentRecord, Member
from lifecycle.models import StageTransition
from segments.models import SegmentMembership, SegmentMembershipChange

STAGE_HISTORY_LIMIT = 20
SEGMENT_CHANGES_LIMIT = 100


def member_360_profile(member_id: int) -> Member:
    """The member with the account (tier, balances), the current lifecycle stage and the statistics (RFM,
    CLV scores) joined in one query; a missing row reads as None. Raises Http404 for an unknown id."""
    members = Member.objects.select_related("account__tier", "lifecycle__stage", "stats")
    return get_object_or_404(members, pk=member_id)


def member_360_consents(member: Member) -> list[ConsentRecord]:
    """The latest proof of each consent purpose (one query, a window per purpose)."""
    latest = (ConsentRecord.objects.filter(member=member)
              .annotate(rank=Window(RowNumber(), partition_by=[F("purpose")], order_by=[F("occurred_at").desc(),
                                                                                         F("id").desc()]))
              .filter(rank=1).order_by("purpose"))
    return list(latest)


def member_360_stage_history(member: Member, limit: int = STAGE_HISTORY_LIMIT) -> list[StageTransition]:
    """The latest stage moves, newest first, each with the why: completed orders and days since the last
    purchase when it was computed."""
    return list(StageTransition.objects.filter(member=member).select_related("from_stage", "to_stage")
                .order_by("-occurred_on", "-id")[:limit])


@dataclass
class SegmentStay:
    segment_name: str
    entered_at: datetime | None
    left_at: datetime | None
    current: bool


def member_360_segments(member: Member, limit: int = SEGMENT_CHANGES_LIMIT) -> list[SegmentStay]:
    """Each segment the member is in or has left, with the latest entry and exit and whether they are in it
    now, from the latest `limit` entered/left changes (one query). Current segments come first."""
    changes = (SegmentMembershipChange.objects.filter(member=member).select_related("segment")
               .annotate(current=Exists(SegmentMembership.objects.filter(member=member, segment=OuterRef("segment"))))
               .order_by("-occurred_at", "-id")[:limit])
    stays: dict[int, SegmentStay] = {}
    for change in changes:
        stay = stays.setdefault(change.segment_id, SegmentStay(change.segment.name, None, None, change.current))
        if change.kind == SegmentMembershipChange.Kind.ENTERED and stay.entered_at is None:
            stay.entered_at = change.occurred_at
        elif change.kind == SegmentMembershipChange.Kind.LEFT and stay.left_at is None and not stay.current:
            stay.left_at = change.occurred_at
    return sorted(stays.values(), key=lambda s: (not s.current, -(s.entered_at or s.left_at).timestamp()))
