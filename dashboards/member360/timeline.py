"""The Member 360 timeline: orders, points, messages, coupons, reviews, manager tasks and campaign entries,
newest first, a page at a time.

Each source is one query with a LIMIT of a page plus one, filtered to what lies after the cursor; the pages are
merged in Python. A page therefore costs seven small queries however long the member's history is. The cursor
is the last event's (time, source position, id), so events sharing a timestamp are neither lost nor repeated
between pages.
"""
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .labels import translated
from campaigns.models import CampaignEntry, ManagerTask, OutboxMessage, Review
from loyalty.models import Coupon, LedgerEntry, Order

PAGE_SIZE = 25


@dataclass
class TimelineEvent:
    at: datetime
    source: str
    position: int
    pk: int
    label: str
    title: str
    detail: str = ""
    status: str = ""
    amount: object = None
    currency: str = ""
    points: int | None = None

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}~{self.position}~{self.pk}"


def _order(o):
    return dict(label=_("Order"), title=o.external_id, status=translated(o.get_status_display(), "order"), amount=o.total,
                currency=o.currency, detail=" · ".join(filter(None, [translated(o.get_channel_display()), o.store])))


def _ledger(e):
    return dict(label=_("Points"), title=translated(e.get_kind_display(), "ledger"), points=e.points,
                detail=" · ".join(filter(None, [translated(e.get_bucket_display()), e.order.external_id if e.order else "",
                                                e.reason])))


def _message(m):
    # The body and payload may hold a sign-in code or a reset link: never read, never shown.
    return dict(label=_("Message"), title=m.subject or translated(m.get_purpose_display()),
                status=translated(m.get_status_display()),
                detail=" · ".join(filter(None, [m.sent_channel or m.channel, m.reason])))


def _coupon(c):
    return dict(label=_("Coupon"), title=f"{c.template.name} ({c.code})", status=f"{c.uses}/{c.max_uses}",
                detail=str(_("valid until %(day)s")) % {"day": c.expires_at.date().isoformat()})


def _review(r):
    return dict(label=_("Review"), title="★" * r.rating, detail=(r.product.name if r.product else "") or r.text[:120],
                status=str(_("published")) if r.is_published else "")


def _task(t):
    return dict(label=_("Manager task"), title=t.title, status=translated(t.get_status_display()),
                detail=str(_("due %(day)s")) % {"day": t.due_on.isoformat()})


def _entry(e):
    return dict(label=_("Campaign"), title=e.campaign.name, detail=e.occurrence,
                status=str(_("holdout")) if e.is_holdout else "")


# (source, time field, queryset for a member, event fields). The list order breaks ties between sources.
SOURCES = [
    ("order", "created_at", lambda m: Order.objects.filter(member=m), _order),
    ("ledger", "created_at", lambda m: LedgerEntry.objects.filter(member=m).select_related("order")
        .defer("details", "order__updated_at"), _ledger),
    ("message", "created_at", lambda m: OutboxMessage.objects.filter(member=m).only(
        "id", "created_at", "subject", "purpose", "status", "channel", "sent_channel", "reason"), _message),
    ("coupon", "issued_at", lambda m: Coupon.objects.filter(member=m).select_related("template"), _coupon),
    ("review", "created_at", lambda m: Review.objects.filter(member=m).select_related("product"), _review),
    ("task", "created_at", lambda m: ManagerTask.objects.filter(member=m), _task),
    ("campaign", "triggered_at", lambda m: CampaignEntry.objects.filter(member=m).select_related("campaign"), _entry),
]


def parse_cursor(value: str | None):
    """(time, position, id) from a `before` parameter; None for none or a malformed one (the first page)."""
    try:
        at, position, pk = (value or "").split("~")
        at = parse_datetime(at)
        return (at, int(position), int(pk)) if at is not None and at.tzinfo is not None else None
    except ValueError:
        return None


def _after_cursor(field: str, position: int, cursor) -> Q:
    """Events that sort after the cursor in (time, position, id) descending order."""
    at, cursor_position, cursor_pk = cursor
    if position < cursor_position:
        return Q(**{f"{field}__lte": at})
    if position > cursor_position:
        return Q(**{f"{field}__lt": at})
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": cursor_pk})


def member_360_timeline(member, *, before: str | None = None, page_size: int = PAGE_SIZE):
    """One page of the member's events, newest first, and the cursor of the next page (None on the last).
    Seven queries, each LIMITed to page_size + 1, whatever the history holds."""
    cursor = parse_cursor(before)
    events = []
    for position, (source, field, queryset, fields) in enumerate(SOURCES):
        rows = queryset(member)
        if cursor is not None:
            rows = rows.filter(_after_cursor(field, position, cursor))
        for row in rows.order_by(f"-{field}", "-pk")[:page_size + 1]:
            events.append(TimelineEvent(at=getattr(row, field), source=source, position=position, pk=row.pk,
                                        **fields(row)))
    events.sort(key=lambda e: (e.at, e.position, e.pk), reverse=True)
    page = events[:page_size]
    return page, (page[-1].cursor if len(events) > page_size else None)
