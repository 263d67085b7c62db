"""Every condition staff can use in a segment: one registered handler each."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q, Sum

from core.timezones import shop_day_start
from customers.models import AttributeDefinition, EngagementEvent, Member
from customers.selectors import member_time_zones
from loyalty.models import Category, Order, Tier
from loyalty.selectors.catalogue import category_subtree_q

from .compiler import NUMERIC_OPS, compile_rules
from .expressions import LocalHour, compare
from .registry import Param, leaf

MEMBER_FIELDS = ["gender", "region", "city", "registration_channel", "preferred_channel", "timezone"]
STAT_FIELDS = [
    "days_since_last_purchase", "orders_count", "total_spent", "avg_order_value", "purchases_per_month",
    "median_days_between", "points_earned_30d", "points_spent_30d", "redemptions_count", "referrals_count",
    "email_opens_count", "night_open_share", "top_open_hour",
]
CHANNELS = ["email", "sms", "push", "personal_data"]


def _since(context, days: int):
    return shop_day_start(context.as_of - dt.timedelta(days=days - 1))


@leaf("member_field", "Profile field", [Param("field", "choice", "Field", MEMBER_FIELDS)], operators=["eq", "ne", "in"])
def member_field(p, context):
    """A profile field equals, differs from, or is one of some values."""
    return compare(p["field"], p["op"], p["value"])


@leaf("age", "Age (years)", [], operators=["gte", "lte", "between"], numeric=True)
def age(p, context):
    def born_by(years):  # latest birth date of someone at least `years` old
        return context.as_of - relativedelta(years=int(Decimal(years)))

    def born_after(years):  # earliest birth date of someone at most `years` old
        return context.as_of - relativedelta(years=int(Decimal(years)) + 1) + dt.timedelta(days=1)

    low, high = (p["value"] if p["op"] == "between" else (p["value"], p["value"]))
    if p["op"] == "gte":
        return Q(birth_date__lte=born_by(low))
    if p["op"] == "lte":
        return Q(birth_date__gte=born_after(high))
    return Q(birth_date__lte=born_by(low), birth_date__gte=born_after(high))


@leaf("birthday_within_days", "Birthday within the next days", [Param("days", "days", "Days")])
def birthday_within_days(p, context):
    days = [context.as_of + dt.timedelta(days=n) for n in range(min(p["days"], 366))]
    q = Q(pk__in=[])
    for month, day in sorted({(d.month, d.day) for d in days}):
        q |= Q(birth_date__month=month, birth_date__day=day)
    return q


def _attribute_kind(p):
    definition = AttributeDefinition.objects.filter(key=p.get("key")).first()
    return definition


def _attribute_operators(p):
    definition = _attribute_kind(p)
    if definition is None:
        return ["eq"]
    kind = definition.type
    if kind == "bool":
        return ["eq", "is_set"]
    if kind == "choice":
        return ["contains", "is_set"] if definition.multiple else ["eq", "in", "is_set"]
    if kind in ("int", "decimal"):
        return [*NUMERIC_OPS, "is_set"]
    if kind == "date":
        return ["lt", "gt", "between", "is_set"]
    return ["eq", "contains", "is_set"]


def _attribute_keys():
    return list(AttributeDefinition.objects.values_list("key", flat=True))


@leaf("attribute", "Zero-party attribute", [Param("key", "choice", "Attribute", _attribute_keys)],
      operators=_attribute_operators,
      numeric=lambda p: getattr(_attribute_kind(p), "type", "") in ("int", "decimal"))
def attribute(p, context):
    key, op, value = p["key"], p["op"], p.get("value")
    path = f"attributes__{key}"
    if op == "is_set":
        return Q(attributes__has_key=key) & ~Q(**{path: None}) & ~Q(**{path: []}) & ~Q(**{path: False})
    if op == "contains":  # any of the values is among the member's choices
        wanted = value if isinstance(value, list) else [value]
        q = Q(pk__in=[])
        for item in wanted:
            q |= Q(**{f"{path}__icontains": f'"{item}"'})
        return q
    if value in ("true", "false", True, False):
        value = value in ("true", True)
    elif op in NUMERIC_OPS and _attribute_kind(p) and _attribute_kind(p).type in ("int", "decimal"):
        value = [float(v) for v in value] if op == "between" else float(value)
    return compare(path, op, value)


@leaf("stat", "Statistic", [Param("field", "choice", "Statistic", STAT_FIELDS)], operators=NUMERIC_OPS, numeric=True,
      group="Behaviour")
def stat(p, context):
    field, op, value = p["field"], p["op"], p["value"]
    if field != "days_since_last_purchase":
        return compare(f"stats__{field}", op, value)

    # Days since the last purchase change every day by themselves, so compare the stored date instead.
    def day(days):
        return context.as_of - dt.timedelta(days=int(Decimal(days)))

    flipped = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte", "eq": "eq"}
    if op == "between":
        return Q(stats__last_purchase_on__gte=day(value[1]), stats__last_purchase_on__lte=day(value[0]))
    return compare("stats__last_purchase_on", flipped[op], day(value))


def _rfm_names():
    from segments.models import RfmSegmentRule

    return list(RfmSegmentRule.objects.order_by("name").values_list("name", flat=True).distinct())


@leaf("rfm_segment", "RFM segment", [Param("values", "choices", "RFM segments", _rfm_names)], group="Behaviour")
def rfm_segment(p, context):
    return Q(stats__rfm_segment__in=p["values"])


@leaf("tier", "Tier", [Param("values", "choices", "Tiers", lambda: list(Tier.objects.values_list("slug", flat=True)))],
      group="Programme")
def tier(p, context):
    return Q(account__tier__slug__in=p["values"])


def _stage_slugs():
    from lifecycle.models import LifecycleStage

    return ["active", *LifecycleStage.objects.values_list("slug", flat=True)]


@leaf("lifecycle_stage", "Lifecycle stage", [Param("values", "choices", "Stages", _stage_slugs)], group="Programme")
def lifecycle_stage(p, context):
    q = Q(lifecycle__stage__slug__in=[v for v in p["values"] if v != "active"])
    if "active" in p["values"]:
        q |= Q(lifecycle__isnull=True) | Q(lifecycle__stage__isnull=True)
    return q


@leaf("consent", "Consent given", [Param("channel", "choice", "Purpose", CHANNELS)], group="Engagement")
def consent(p, context):
    return Q(**{f"{p['channel']}_consent": True})


@leaf("bought_in_category", "Bought in category", [
    Param("categories", "choices", "Categories", lambda: list(Category.objects.values_list("path", flat=True))),
    Param("within_days", "days", "Within the last days"),
    Param("min_orders", "number", "At least this many orders", required=False),
], group="Behaviour")
def bought_in_category(p, context):
    """A category counts with its subcategories: `Дети` matches a toy filed under `Дети/Игрушки`."""
    orders = (
        Order.objects.filter(category_subtree_q(p["categories"], prefix="lines__product__category__"),
                             status="completed", created_at__gte=_since(context, p["within_days"]))
        .values("member").annotate(n=Count("id", distinct=True)).filter(n__gte=int(Decimal(p.get("min_orders", 1))))
    )
    return Q(pk__in=orders.values("member"))


@leaf("spent_in_window", "Spent in the last days", [Param("within_days", "days", "Within the last days")],
      operators=["gte", "lte", "between"], numeric=True, group="Behaviour")
def spent_in_window(p, context):
    spent = (Order.objects.filter(status="completed", created_at__gte=_since(context, p["within_days"]))
             .values("member").annotate(total=Sum("total")))
    low, high = p["value"] if p["op"] == "between" else (p["value"], p["value"])
    at_least = Q(pk__in=spent.filter(total__gte=low).values("member"))
    at_most = ~Q(pk__in=spent.filter(total__gt=high).values("member"))
    return {"gte": at_least, "lte": at_most, "between": at_least & at_most}[p["op"]]


@leaf("opened_emails", "Opened emails", [
    Param("within_days", "days", "Within the last days"),
    Param("min_count", "number", "At least this many opens"),
    Param("night_only", "bool", "Only opens 23:00–05:00 in the member's time zone", required=False),
], group="Engagement")
def opened_emails(p, context):
    opens = EngagementEvent.objects.filter(kind="open", channel="email",
                                           occurred_at__gte=_since(context, p["within_days"]))
    if p.get("night_only"):
        zones = member_time_zones()
        opens = opens.annotate(hour=LocalHour("occurred_at", "member__timezone", zones=zones, on=context.as_of))
        opens = opens.filter(Q(hour__gte=23) | Q(hour__lt=5))
    min_count = int(Decimal(p["min_count"]))
    if min_count <= 1:
        # "Opened at least once": a correlated EXISTS lets the planner probe the (member, time) index for
        # the few members the other conditions leave, instead of counting every open in the window.
        return Q(Exists(opens.filter(member=OuterRef("pk"))))
    counted = opens.values("member").annotate(n=Count("id")).filter(n__gte=min_count)
    return Q(pk__in=counted.values("member"))


def _segment_slugs():
    from segments.models import Segment

    return list(Segment.objects.values_list("slug", flat=True))


@leaf("in_segment", "Member of segment", [Param("segment", "choice", "Segment", _segment_slugs)], group="Segments")
def in_segment(p, context):
    from segments.models import Segment, SegmentMembership

    from .registry import invalid

    slug = p["segment"]
    if slug in context.segment_path:
        raise invalid("rules", f"segment {slug!r} refers back to itself ({' → '.join([*context.segment_path, slug])})")
    segment = Segment.objects.get(slug=slug)
    if segment.kind == Segment.Kind.STATIC:
        return Q(pk__in=SegmentMembership.objects.filter(segment=segment).values("member"))
    inner = type(context)(as_of=context.as_of, segment_path=(*context.segment_path, slug))
    return Q(pk__in=Member.objects.filter(compile_rules(segment.rules, inner)).values("pk"))
