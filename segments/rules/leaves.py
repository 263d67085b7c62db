"""Every condition staff can use in a segment: one registered handler each.

Labels are shown to staff (Russian first); values with known choices are picked from them, so a wrong value
cannot be typed. Conditions about data of higher floors register themselves from there (analytics' scores,
campaigns' responses).
"""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.utils.translation import pgettext_lazy

from core.timezones import shop_day_start
from core.translated_content import translated
from customers.models import AttributeDefinition, Channel, EngagementEvent, Member, RegistrationChannel
from customers.regions import FEDERAL_DISTRICTS, district_spellings, region_district, region_names, region_spellings
from customers.selectors import member_regions_unknown, member_time_zones
from loyalty.models import Category, Order, Product, Tier
from loyalty.selectors.catalogue import category_subtree_q

from .compiler import NUMERIC_OPS, compile_rules
from .expressions import LocalHour, compare
from .registry import Param, Value, leaf

PROFILE, PURCHASES, COMMUNICATIONS, PROGRAMME, SEGMENTS = (
    _("Profile"), _("Purchases"), _("Communications"), _("Loyalty programme"), _("Segments"))
RUB = "₽"

GENDERS = [("f", _("Woman")), ("m", _("Man"))]
MEMBER_FIELDS = [("gender", _("Gender")), ("city", _("City")), ("registration_channel", _("Joined through")),
                 ("preferred_channel", _("Preferred channel")), ("timezone", _("Time zone"))]
STAT_FIELDS = [
    ("days_since_last_purchase", _("Days since the last purchase")), ("orders_count", _("Number of purchases")),
    ("total_spent", _("Total spent")), ("avg_order_value", _("Average check")),
    ("purchases_per_month", _("Purchases per month")), ("median_days_between", _("Typical days between purchases")),
    ("points_earned_30d", _("Points earned in 30 days")), ("points_spent_30d", _("Points spent in 30 days")),
    ("redemptions_count", _("Rewards redeemed")), ("referrals_count", _("Friends invited")),
    ("email_opens_count", _("Emails opened")), ("night_open_share", _("Share of opens at night (0–1)")),
    ("top_open_hour", _("Usual hour of opening emails")),
]
MONEY_STATS = {"total_spent", "avg_order_value"}
CONSENT_PURPOSES = [("email", _("Email newsletters")), ("sms", _("SMS")), ("push", _("Push notifications")),
                    ("personal_data", _("Processing of personal data"))]
CHANNELS = [("email", _("Email")), ("sms", _("SMS")), ("push", _("Push"))]


def _since(context, days: int):
    return shop_day_start(context.as_of - dt.timedelta(days=days - 1))


def _member_field_value(p):
    field = p.get("field")
    if field == "gender":
        return Value("choice", GENDERS)
    if field == "registration_channel":
        return Value("choice", [(value, label) for value, label in RegistrationChannel.choices])
    if field == "preferred_channel":
        return Value("choice", [(value, label) for value, label in Channel.choices])
    if field == "timezone":
        return Value("choice", lambda: sorted(member_time_zones()))
    return Value("text")


@leaf("member_field", _("Profile field"), [Param("field", "choice", _("Field"), MEMBER_FIELDS)],
      operators=lambda p: ["eq", "ne", "in"], value=_member_field_value, group=PROFILE)
def member_field(p, context):
    """A profile field equals, differs from, or is one of some values."""
    return compare(p["field"], p["op"], p["value"])


def _unknown_regions_note() -> str:
    count, common = member_regions_unknown()
    if not count:
        return ""
    return ngettext("%(count)s member has a region the reference does not know, so no region or district condition "
                    "counts them: %(values)s.",
                    "%(count)s members have a region the reference does not know, so no region or district "
                    "condition counts them: %(values)s.", count) % {
        "count": count, "values": ", ".join(f"«{value}» ({n})" for value, n in common)}


def _region_choices():
    return [(region, f"{region} ({region_district(region)})") for region in region_names()]


@leaf("region", _("Region"), [Param("regions", "choices", _("Regions"), _region_choices)], group=PROFILE,
      note=_unknown_regions_note)
def region(p, context):
    """The member's region is one of these, however it was written (`Московская обл.`, `г. Москва`)."""
    return Q(region__in=sorted(set().union(*(region_spellings(r) for r in p["regions"]))))


@leaf("federal_district", _("Federal district"), [Param(
    "districts", "choices", _("Districts"), lambda: [(code, f"{name} ({code})") for code, (name, _r) in FEDERAL_DISTRICTS.items()])],
    group=PROFILE, note=_unknown_regions_note)
def federal_district(p, context):
    """The member lives in one of these federal districts: the district written as such (`ЦФО`) or any of its
    regions in any usual spelling."""
    return Q(region__in=sorted(set().union(*(district_spellings(code) for code in p["districts"]))))


@leaf("age", _("Age (years)"), [], operators=["gte", "lte", "between"], numeric=True, group=PROFILE)
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


@leaf("birthday_within_days", _("Birthday within the next days"), [Param("days", "days", _("within"), default=7, unit=_("days"))],
      group=PROFILE)
def birthday_within_days(p, context):
    days = [context.as_of + dt.timedelta(days=n) for n in range(min(p["days"], 366))]
    q = Q(pk__in=[])
    for month, day in sorted({(d.month, d.day) for d in days}):
        q |= Q(birth_date__month=month, birth_date__day=day)
    return q


def _attribute_kind(p):
    return AttributeDefinition.objects.filter(key=p.get("key")).first()


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


def _attribute_value(p):
    definition = _attribute_kind(p)
    kind = getattr(definition, "type", "text")
    if kind == "choice":
        return Value("choice", list(definition.choices or []))
    return Value({"bool": "bool", "int": "number", "decimal": "number", "date": "date"}.get(kind, "text"))


def _attributes():
    return list(AttributeDefinition.objects.values_list("key", "label"))


@leaf("attribute", _("Answer to a question (zero-party)"), [Param("key", "choice", _("Question"), _attributes)],
      operators=_attribute_operators, value=_attribute_value, group=PROFILE)
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
    elif _attribute_kind(p) and _attribute_kind(p).type in ("int", "decimal"):
        value = [float(v) for v in value] if isinstance(value, list) else float(value)
    return compare(path, op, value)


def _stat_value(p):
    field = p.get("field")
    if field in MONEY_STATS:
        return Value("number", unit=RUB)
    if field in ("days_since_last_purchase", "median_days_between"):
        return Value("number", unit=_("days"))
    return Value("number")


@leaf("stat", _("Statistic"), [Param("field", "choice", _("Statistic"), STAT_FIELDS)],
      operators=lambda p: NUMERIC_OPS, value=_stat_value, group=PURCHASES)
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

    # The stored name is the value (member statistics hold it); the label is in the marketer's language.
    labels = {}
    for rule in RfmSegmentRule.objects.order_by("name"):
        labels.setdefault(rule.name, translated(rule, "name"))
    return list(labels.items())


@leaf("rfm_segment", _("RFM segment"), [Param("values", "choices", _("RFM segments"), _rfm_names)], group=PURCHASES)
def rfm_segment(p, context):
    return Q(stats__rfm_segment__in=p["values"])


@leaf("tier", _("Tier"), [Param("values", "choices", _("Tiers"),
                                lambda: [(tier.slug, translated(tier, "name")) for tier in Tier.objects.order_by("rank")])],
      group=PROGRAMME)
def tier(p, context):
    return Q(account__tier__slug__in=p["values"])


def _stages():
    from lifecycle.models import LifecycleStage

    return [("active", _("Active (before the first stage)")),
            *((stage.slug, str(stage)) for stage in LifecycleStage.objects.order_by("position", "pk"))]


@leaf("lifecycle_stage", _("Lifecycle stage"), [Param("values", "choices", _("Stages"), _stages)], group=PROGRAMME)
def lifecycle_stage(p, context):
    q = Q(lifecycle__stage__slug__in=[v for v in p["values"] if v != "active"])
    if "active" in p["values"]:
        q |= Q(lifecycle__isnull=True) | Q(lifecycle__stage__isnull=True)
    return q


@leaf("consent", _("Consent given"), [Param("channel", "choice", _("consent to"), CONSENT_PURPOSES)], group=COMMUNICATIONS)
def consent(p, context):
    return Q(**{f"{p['channel']}_consent": True})


def _category_tree():
    """Categories in tree order, each label indented by its depth (`· · Игрушки`)."""
    return [(path, "· " * path.count("/") + name) for path, name in Category.objects.order_by("path").values_list("path", "name")]


@leaf("bought_in_category", _("Bought in category"), [
    Param("categories", "choices", _("Categories"), _category_tree),
    Param("within_days", "days", _("in the last"), default=90, unit=_("days")),
    Param("min_orders", "number", _("at least"), required=False, unit=_("purchases")),
], group=PURCHASES)
def bought_in_category(p, context):
    """A category counts with its subcategories: `Дети` matches a toy filed under `Дети/Игрушки`."""
    orders = (
        Order.objects.filter(category_subtree_q(p["categories"], prefix="lines__product__category__"),
                             status="completed", created_at__gte=_since(context, p["within_days"]))
        .values("member").annotate(n=Count("id", distinct=True)).filter(n__gte=int(Decimal(p.get("min_orders", 1))))
    )
    return Q(pk__in=orders.values("member"))


def _existing_skus(values):
    return set(Product.objects.filter(sku__in=values).values_list("sku", flat=True))


def _existing_brands(values):
    return set(Product.objects.filter(brand__in=values).values_list("brand", flat=True))


def _bought(p, context, line_filter: Q):
    orders = (Order.objects.filter(line_filter, status="completed", created_at__gte=_since(context, p["within_days"]))
              .values("member").annotate(n=Count("id", distinct=True)).filter(n__gte=int(Decimal(p.get("min_orders", 1)))))
    return Q(pk__in=orders.values("member"))


@leaf("bought_product", _("Bought a product"), [
    Param("products", "search", _("Products"), search="product", exists=_existing_skus),
    Param("within_days", "days", _("in the last"), default=90, unit=_("days")),
    Param("min_orders", "number", _("at least"), required=False, unit=_("purchases")),
], group=PURCHASES)
def bought_product(p, context):
    """Completed purchases with any of these products (by SKU) in the window."""
    return _bought(p, context, Q(lines__product__sku__in=p["products"]))


@leaf("bought_brand", _("Bought a brand"), [
    Param("brands", "search", _("Brands"), search="brand", exists=_existing_brands),
    Param("within_days", "days", _("in the last"), default=90, unit=_("days")),
    Param("min_orders", "number", _("at least"), required=False, unit=_("purchases")),
], group=PURCHASES)
def bought_brand(p, context):
    """Completed purchases with a product of any of these brands in the window."""
    return _bought(p, context, Q(lines__product__brand__in=p["brands"]))


@leaf("spent_in_window", _("Spent in a period"), [Param("within_days", "days", _("in the last"), default=90, unit=_("days"))],
      operators=["gte", "lte", "between"], value=Value("number", unit=RUB), group=PURCHASES)
def spent_in_window(p, context):
    spent = (Order.objects.filter(status="completed", created_at__gte=_since(context, p["within_days"]))
             .values("member").annotate(total=Sum("total")))
    low, high = p["value"] if p["op"] == "between" else (p["value"], p["value"])
    at_least = Q(pk__in=spent.filter(total__gte=low).values("member"))
    at_most = ~Q(pk__in=spent.filter(total__gt=high).values("member"))
    return {"gte": at_least, "lte": at_most, "between": at_least & at_most}[p["op"]]


def _events_at_least(events, min_count: int) -> Q:
    if min_count <= 1:
        # "At least once": a correlated EXISTS lets the planner probe the (member, time) index for the few
        # members the other conditions leave, instead of counting every event in the window.
        return Q(Exists(events.filter(member=OuterRef("pk"))))
    counted = events.values("member").annotate(n=Count("id")).filter(n__gte=min_count)
    return Q(pk__in=counted.values("member"))


def _night_window_valid(p):
    if p.get("night_only") and p.get("from_hour", 23) == p.get("to_hour", 5):
        raise ValueError(_("the night window starts and ends at the same hour"))


@leaf("opened_emails", _("Opened emails"), [
    Param("within_days", "days", _("in the last"), default=30, unit=_("days")),
    Param("min_count", "number", _("at least"), default=1, unit=_("times")),
    Param("night_only", "bool", _("at night only"), required=False),
    Param("from_hour", "hour", pgettext_lazy("range", "from"), required=False, default=23),
    Param("to_hour", "hour", pgettext_lazy("range", "to"), required=False, default=5),
], validate_extra=_night_window_valid, group=COMMUNICATIONS)
def opened_emails(p, context):
    """Opens in the window; with `night_only`, only opens from `from_hour` (23) to `to_hour` (5, exclusive) in the
    member's own time zone."""
    opens = EngagementEvent.objects.filter(kind="open", channel="email",
                                           occurred_at__gte=_since(context, p["within_days"]))
    if p.get("night_only"):
        start, end = p.get("from_hour", 23), p.get("to_hour", 5)
        opens = opens.annotate(hour=LocalHour("occurred_at", "member__timezone", zones=member_time_zones(),
                                              on=context.as_of))
        window = Q(hour__gte=start, hour__lt=end) if start < end else Q(hour__gte=start) | Q(hour__lt=end)
        opens = opens.filter(window)
    return _events_at_least(opens, int(Decimal(p["min_count"])))


@leaf("clicked_emails", _("Clicked a link in emails"), [
    Param("within_days", "days", _("in the last"), default=30, unit=_("days")),
    Param("min_count", "number", _("at least"), default=1, unit=_("times")),
], group=COMMUNICATIONS)
def clicked_emails(p, context):
    """Clicks on links in emails in the window (tracked redirects and imported history alike)."""
    clicks = EngagementEvent.objects.filter(kind="click", channel="email",
                                            occurred_at__gte=_since(context, p["within_days"]))
    return _events_at_least(clicks, int(Decimal(p["min_count"])))


@leaf("contacted", _("Contacted fewer than N times"), [
    Param("max_count", "number", _("fewer than"), default=3, unit=_("messages")),
    Param("within_days", "days", _("in the last"), default=7, unit=_("days")),
    Param("channel", "choice", _("By"), CHANNELS, required=False),
], group=COMMUNICATIONS)
def contacted(p, context):
    """Members sent fewer than `max_count` messages (any channel, or the one chosen) in the window: those who
    were not mailed too much lately. Counts what was sent, so never-contacted members match too."""
    sent = EngagementEvent.objects.filter(kind="sent", occurred_at__gte=_since(context, p["within_days"]))
    if p.get("channel"):
        sent = sent.filter(channel=p["channel"])
    limit = int(Decimal(p["max_count"]))
    if limit <= 1:
        return ~Q(Exists(sent.filter(member=OuterRef("pk"))))
    too_many = sent.values("member").annotate(n=Count("id")).filter(n__gte=limit)
    return ~Q(pk__in=too_many.values("member"))


def _segments():
    from segments.models import Segment

    return list(Segment.objects.order_by("name").values_list("slug", "name"))


@leaf("in_segment", _("Member of segment"), [Param("segment", "choice", _("Segment"), _segments)], group=SEGMENTS)
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
