"""Reads: the members a segment's rules select, or its materialised members."""
from django.db.models import QuerySet

from core.exceptions import NotFound
from customers.models import Member

from .models import Segment
from .rules import CompileContext, compile_rules


def rules_members(rules: dict, *, context: CompileContext | None = None, segment_slug: str | None = None) -> QuerySet:
    """Members matching a rule tree now (one query, however deep the tree)."""
    context = context or CompileContext(segment_path=(segment_slug,) if segment_slug else ())
    return Member.objects.filter(compile_rules(rules, context))


def segment_get(slug: str) -> Segment:
    try:
        return Segment.objects.get(slug=slug)
    except Segment.DoesNotExist:
        raise NotFound(f"No segment {slug!r}.") from None


def segment_members(slug: str) -> QuerySet:
    """The materialised members of a segment (what campaigns and exports use), in id order."""
    segment = segment_get(slug)
    return Member.objects.filter(segment_memberships__segment=segment).order_by("pk")


def segment_preview(rules: dict, *, sample_size: int = 10) -> dict:
    members = rules_members(rules)
    return {
        "count": members.count(),
        "sample": list(members.order_by("pk").values("external_id", "first_name", "last_name", "email")[:sample_size]),
    }
