"""Reads: the members a segment's rules select, or its materialised members."""
import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import NotFound
from customers.models import Member

from .models import MemberStatsRefresh, Segment
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
    """The count and a sample of the members the rules select now (the builder's "count and sample").

    When a condition reads the member statistics (`stats__…`) and they are missing or older than
    STATS_STALE_AFTER, `statistics` says so, with a message for staff, instead of letting a count of 0
    pass for a fact; it is None when the rules read no statistics or they are fresh.
    """
    q = compile_rules(rules, CompileContext())
    members = Member.objects.filter(q)
    count = members.count()
    return {
        "count": count,
        "count_text": ngettext("%(count)s member", "%(count)s members", count) % {"count": f"{count:,}".replace(",", "\u00a0")},
        "sample": list(members.order_by("pk").values("external_id", "first_name", "last_name", "email")[:sample_size]),
        "statistics": member_stats_warning() if q_reads_statistics(q) else None,
    }


STATS_STALE_AFTER = dt.timedelta(days=1)


def q_reads_statistics(q) -> bool:
    """Whether a compiled rule reads segments.MemberStats (a lookup through the member's `stats`)."""
    for child in q.children:
        if isinstance(child, Q):
            if q_reads_statistics(child):
                return True
        elif isinstance(child, tuple) and (child[0] == "stats" or child[0].startswith("stats__")):
            return True  # (an expression such as Exists(opens) reads events, not statistics)
    return False


def member_stats_freshness() -> dict:
    """When every member's statistics were last refreshed (the latest full run), and how many have none."""
    latest = MemberStatsRefresh.objects.filter(members__isnull=True).order_by("-finished_at").first()
    refreshed_at = latest.finished_at if latest else None
    return {
        "refreshed_at": refreshed_at,
        "members_without": Member.objects.filter(stats__isnull=True).count(),
        "stale": refreshed_at is None or refreshed_at < timezone.now() - STATS_STALE_AFTER,
    }


def member_stats_warning() -> dict | None:
    """What the builder shows beside a count that relies on statistics: None when they are complete and fresh."""
    freshness = member_stats_freshness()
    if not freshness["stale"] and not freshness["members_without"]:
        return None
    if freshness["refreshed_at"] is None:
        message = _("Member statistics have not been computed yet: conditions on them count no one. "
                    "They are computed after each import and nightly at 02:30.")
    elif freshness["stale"]:
        message = _("Member statistics were last refreshed %(when)s, more than a day ago: the count may be out of "
                    "date.") % {"when": date_format(timezone.localtime(freshness["refreshed_at"]), "DATETIME_FORMAT")}
    else:
        count = freshness["members_without"]
        message = ngettext("%(count)s member has no statistics yet and is not counted by conditions on them.",
                           "%(count)s members have no statistics yet and are not counted by conditions on them.",
                           count) % {"count": count}
    return {"stale": freshness["stale"], "members_without": freshness["members_without"],
            "refreshed_at": freshness["refreshed_at"].isoformat() if freshness["refreshed_at"] else None,
            "message": str(message)}


def rfm_segment_labels() -> dict[str, str]:
    """Each RFM segment's stored name (what member statistics and rules hold) → its name in the reader's
    language (core.translated_content)."""
    from core.translated_content import translated

    from .models import RfmSegmentRule

    labels = {}
    for rule in RfmSegmentRule.objects.order_by("pk"):
        labels.setdefault(rule.name, translated(rule, "name"))
    return labels


def rfm_grid() -> list[list[dict]]:
    """The 5×5 recency × frequency grid: members and revenue per cell, R=5 first (the top row)."""
    from django.db.models import Count, Sum

    from .models import MemberStats, RfmSegmentRule

    cells = {
        (row["r_score"], row["f_score"]): row
        for row in MemberStats.objects.filter(r_score__isnull=False)
        .values("r_score", "f_score").annotate(members=Count("member"), revenue=Sum("total_spent"))
    }
    labels = rfm_segment_labels()
    names = {(r, f): labels[rule.name] for rule in RfmSegmentRule.objects.all()
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
                problems.append(f"R{r} F{f}: " + (_("%(names)s overlap") % {"names": ", ".join(names)}
                                                  if names else _("not covered")))
    return problems
