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


def rfm_grid() -> list[list[dict]]:
    """The 5×5 recency × frequency grid: members and revenue per cell, R=5 first (the top row)."""
    from django.db.models import Count, Sum

    from .models import MemberStats, RfmSegmentRule

    cells = {
        (row["r_score"], row["f_score"]): row
        for row in MemberStats.objects.filter(r_score__isnull=False)
        .values("r_score", "f_score").annotate(members=Count("member"), revenue=Sum("total_spent"))
    }
    names = {(r, f): rule.name for rule in RfmSegmentRule.objects.all()
             for r in range(rule.r_min, rule.r_max + 1) for f in range(rule.f_min, rule.f_max + 1)}
    peak = max((cell["members"] for cell in cells.values()), default=0) or 1
    return [
        [{"r": r, "f": f, "name": names.get((r, f), ""), "members": cells.get((r, f), {}).get("members", 0),
          "revenue": cells.get((r, f), {}).get("revenue") or 0,
          "heat": round(cells.get((r, f), {}).get("members", 0) / peak, 2)} for f in range(1, 6)]
        for r in range(5, 0, -1)
    ]


def rfm_map_problems() -> list[str]:
    """Cells of the grid the editable map leaves uncovered or covers twice (empty when the map is sound)."""
    from .models import RfmSegmentRule

    covered: dict[tuple[int, int], list[str]] = {}
    for rule in RfmSegmentRule.objects.all():
        for r in range(rule.r_min, rule.r_max + 1):
            for f in range(rule.f_min, rule.f_max + 1):
                covered.setdefault((r, f), []).append(rule.name)
    problems = []
    for r in range(1, 6):
        for f in range(1, 6):
            names = covered.get((r, f), [])
            if len(names) != 1:
                problems.append(f"R{r} F{f}: " + (", ".join(names) + " overlap" if names else "not covered"))
    return problems
