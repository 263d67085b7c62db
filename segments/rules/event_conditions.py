"""Conditions on events (events app): did / did not do an event N times within D days, with filters on its
properties, and the latest value of an event's property."""
import re
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Exists, JSONField, OuterRef, Q, Subquery
from django.utils.translation import gettext, gettext_lazy as _

from customers.models import Member
from events.models import Event, EventType

from .leaves import _since
from .registry import Param, leaf

# `value >= 3000; category = Дети/Игрушки; brand != Acme` — a property, an operator, a value; `;` or `and` between.
FILTER = re.compile(r"^\s*([A-Za-z_][\w.]{0,63})\s*(>=|<=|!=|=|>|<|~)\s*(.+?)\s*$")
LOOKUPS = {"=": "", ">": "__gt", ">=": "__gte", "<": "__lt", "<=": "__lte", "~": "__icontains"}
SPLIT = re.compile(r";|\s+and\s+", re.IGNORECASE)


def _event_type_keys():
    return list(EventType.objects.values_list("key", flat=True))


def _type_id(key: str) -> int:
    """The event type's pk as a constant in the compiled SQL: `type_id = 7` lets PostgreSQL scan the (type, time)
    index of the window's partitions, where a join on the types table made it scan every row of those months.
    A key with no type gives 0, which no event has (the condition then matches nobody, or everybody negated)."""
    return EventType.objects.filter(key=key).values_list("pk", flat=True).first() or 0


def _value(text: str):
    """A number when it reads as one (compared as a number), else the text without surrounding quotes."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return int(number) if number == number.to_integral_value() else float(number)


def property_filters(text: str) -> list[tuple[str, str, object]]:
    """Parse `value >= 3000; category = Дети` into (path, operator, value); ValueError naming the bad part."""
    filters = []
    for part in (p for p in SPLIT.split(text or "") if p.strip()):
        match = FILTER.match(part)
        if not match:
            raise ValueError(gettext("cannot read the property filter “%(part)s”: write e.g. value >= 3000")
                             % {"part": part.strip()})
        filters.append((match[1], match[2], _value(match[3])))
    return filters


def _filters_q(filters, prefix: str = "properties") -> Q:
    q = Q()
    for path, op, value in filters:
        field = f"{prefix}__{path.replace('.', '__')}"
        if op == "!=":
            q &= ~Q(**{field: value})
        else:
            q &= Q(**{f"{field}{LOOKUPS[op]}": str(value) if op == "~" else value})
    return q


def _validate_filters(p):
    property_filters(p.get("filters", ""))


@leaf("did_event", _("Did an event"), [
    Param("event_type", "choice", _("Event"), _event_type_keys),
    Param("within_days", "days", _("in the last"), default=30, unit=_("days")),
    Param("min_count", "number", _("at least"), required=False, default=1, unit=_("times")),
    Param("filters", "text", _("where (e.g. value >= 3000)"), required=False),
], validate_extra=_validate_filters, group=_("Events"))
def did_event(p, context):
    """At least N events of the type (1 if empty) in the last D days whose properties pass the filters; with
    "not": fewer (or none)."""
    events = Event.objects.filter(type_id=_type_id(p["event_type"]), occurred_at__gte=_since(context, p["within_days"]))
    events = events.filter(_filters_q(property_filters(p.get("filters", ""))))
    min_count = int(Decimal(p.get("min_count", 1)))
    if min_count <= 1:
        # A correlated EXISTS probes the (member, type, time) index only for the members the rest leaves.
        return Q(Exists(events.filter(member=OuterRef("pk"))))
    # count(member_id), not count(id): the (type, time) index includes the member but not the id, so PostgreSQL
    # counts from the index alone (an index-only scan of the window) instead of visiting each event's row.
    counted = events.filter(member__isnull=False).values("member").annotate(n=Count("member")).filter(n__gte=min_count)
    return Q(pk__in=counted.values("member"))


def _validate_latest(p):
    if not re.match(r"^[A-Za-z_][\w.]{0,63}$", p.get("property", "")):
        raise ValueError(gettext("the property is a name such as value or cart.total"))
    property_filters(f"{p['property']} = {p.get('value', '')}")


@leaf("event_property_latest", _("Latest value of an event's property"), [
    Param("event_type", "choice", _("Event"), _event_type_keys),
    Param("property", "text", _("Property")),
], operators=["eq", "ne", "gt", "gte", "lt", "lte"], validate_extra=_validate_latest, group=_("Events"))
def event_property_latest(p, context):
    """The property as the member's latest event of the type has it (members without such an event: no match)."""
    latest = Subquery(Event.objects.filter(member=OuterRef("pk"), type_id=_type_id(p["event_type"]))
                      .order_by("-occurred_at", "-id").values("properties")[:1], output_field=JSONField())
    symbol = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[p["op"]]
    value = p["value"] if not isinstance(p["value"], str) else _value(p["value"])
    matching = Member.objects.annotate(latest_event=latest).filter(latest_event__isnull=False).filter(
        _filters_q([(p["property"], symbol, value)], prefix="latest_event"))
    return Q(pk__in=matching.values("pk"))
