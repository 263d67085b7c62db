"""A split's results: each variant's members, conversions and revenue within the window after the split, the
holdout's after the trigger, the statistics on top, and the diagram's counts per node, variant and arrow; all in a
constant number of queries."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from customers.tests.factories import MemberFactory
from loyalty.services.orders import order_upsert

from ..diagram import journey_diagram
from ..models import JourneyVisit, NodeKind, SplitMode
from ..results import split_results
from ..services.engine import journey_advance
from .factories import action, enter, journey_create, node, variant, wire

pytestmark = pytest.mark.django_db


def people(n, prefix):
    return [MemberFactory(email=f"{prefix}{i}@example.com", email_consent=True) for i in range(n)]


def order(member, at, total, number):
    order_upsert(source="shop", external_id=f"R-{member.pk}-{number}", member=member, created_at=at,
                 status="completed", total=Decimal(total), currency="RUB", channel="web", lines=[])


def visited(node_):
    return list(JourneyVisit.objects.filter(node=node_).order_by("journey_member__member_id")
                .values_list("journey_member__member", flat=True))


def ab_journey(treated, held, *, start, **campaign_fields):
    """split A/B → message A / message B → the end; the treated entered at `start` and advanced, the held out
    entered only."""
    journey = journey_create(conversion_window_days=3, **campaign_fields)
    split = node(journey, 0, NodeKind.SPLIT, name="A/B")
    letter_a, letter_b = action(journey, 1, "A", name="Письмо A"), action(journey, 2, "B", name="Письмо B")
    end = node(journey, 3, NodeKind.EXIT, name="Конец")
    variant_a, variant_b = variant(split, "A", letter_a), variant(split, "B", letter_b)
    wire(letter_a, end), wire(letter_b, end)
    enter(journey, treated, triggered_at=start)
    enter(journey, held, triggered_at=start, is_holdout=True)
    journey_advance(journey_id=journey.pk, now=start)
    return journey, split, (letter_a, letter_b, end), (variant_a, variant_b)


def test_split_results_count_conversions_and_revenue_within_the_window_per_variant_and_for_the_holdout():
    # given 40 treated members split A/B five days ago, 10 held out, and a 3-day conversion window
    from customers.models import Member

    start = timezone.now() - dt.timedelta(days=5)
    journey, split, (letter_a, letter_b, _end), _variants = ab_journey(people(40, "t"), people(10, "h"), start=start)
    on_a, on_b = visited(letter_a), visited(letter_b)
    assert len(on_a) + len(on_b) == 40 and len(on_a) >= 5 and len(on_b) >= 5
    member = Member.objects.in_bulk(on_a + on_b)
    # when three of A buy (one twice), one of B buys in the window and another of B only after it, two held out buy
    day = start + dt.timedelta(days=1)
    order(member[on_a[0]], day, "1000", 1), order(member[on_a[0]], day, "500", 2)
    order(member[on_a[1]], day, "1000", 1), order(member[on_a[2]], day, "2000", 1)
    order(member[on_b[0]], day, "700", 1)
    order(member[on_b[1]], start + dt.timedelta(days=4), "9000", 1)  # after the window: not counted
    held = list(journey.campaign.entries.filter(is_holdout=True).select_related("member")[:2])
    for entry in held:
        order(entry.member, start + dt.timedelta(hours=2), "300", 1)
    results = split_results(node=split)
    # then each variant's figures are its own members', in key order
    a, b = results.variants
    assert (a.key, a.statistics.members, a.statistics.conversions, a.statistics.revenue) == ("A", len(on_a), 3, 4500)
    assert (b.key, b.statistics.members, b.statistics.conversions, b.statistics.revenue) == ("B", len(on_b), 1, 700)
    assert a.statistics.rate == 3 / len(on_a) and a.statistics.revenue_per_member == 4500 / len(on_a)
    assert a.statistics.rate_low < a.statistics.rate < a.statistics.rate_high
    assert a.statistics.probability_best + b.statistics.probability_best == pytest.approx(1)
    assert (a.share, b.share) == (0.5, 0.5) and not results.adaptive
    # the holdout is measured from the trigger, without a probability of being best
    assert (results.holdout.members, results.holdout.conversions, results.holdout.revenue) == (10, 2, 600)
    assert results.holdout.probability_best is None
    assert results.window_open == 0 and results.conversion_days == 3


def test_members_still_in_their_window_are_counted_and_reported_open():
    start = timezone.now() - dt.timedelta(days=1)
    _journey, split, _nodes, _variants = ab_journey(people(12, "w"), [], start=start)
    results = split_results(node=split)
    assert sum(v.statistics.members for v in results.variants) == 12 and results.window_open == 12
    assert results.holdout.members == 0


def test_an_adaptive_split_shows_its_stored_shares():
    start = timezone.now() - dt.timedelta(days=1)
    _journey, split, _nodes, (variant_a, variant_b) = ab_journey(people(4, "s"), [], start=start)
    split.split_mode = SplitMode.ADAPTIVE
    split.save()
    variant_a.traffic_share, variant_b.traffic_share = 0.9, 0.1
    variant_a.save(), variant_b.save()
    results = split_results(node=split)
    assert results.adaptive and [v.share for v in results.variants] == pytest.approx([0.9, 0.1])


def test_the_diagram_counts_members_per_node_per_variant_and_per_arrow():
    # given the A/B journey run for 20 members
    start = timezone.now() - dt.timedelta(hours=1)
    journey, split, (letter_a, letter_b, end), (variant_a, variant_b) = ab_journey(people(20, "d"), [], start=start)
    on_a, on_b = len(visited(letter_a)), len(visited(letter_b))
    # when the diagram is read
    chart = journey_diagram(journey=journey)
    nodes = {n["name"]: n for n in chart["nodes"]}
    edges = {(e["source"], e["target"], e["label"]): e["members"] for e in chart["edges"]}
    # then the boxes go top to bottom by distance from the start, the two messages side by side on one level
    assert nodes["A/B"]["y"] < nodes["Письмо A"]["y"] == nodes["Письмо B"]["y"] < nodes["Конец"]["y"]
    assert nodes["Письмо A"]["x"] < nodes["Письмо B"]["x"]
    # each box counts who passed it, per variant after the split, and who ended there
    assert nodes["A/B"]["reached"] == 20 and nodes["Конец"]["reached"] == 20 and nodes["Конец"]["ended"] == 20
    assert nodes["Письмо A"]["reached"] == on_a and nodes["Письмо A"]["per_variant"] == {"A": on_a}
    assert nodes["Конец"]["per_variant"] == {"A": on_a, "B": on_b}
    # and each arrow the members who took it, the split's labelled with the variant
    assert edges == {(str(split.pk), str(letter_a.pk), "A"): on_a, (str(split.pk), str(letter_b.pk), "B"): on_b,
                     (str(letter_a.pk), str(end.pk), ""): on_a, (str(letter_b.pk), str(end.pk), ""): on_b}


def test_a_branch_arrows_say_yes_and_no_in_russian():
    journey = journey_create()
    branch = node(journey, 0, NodeKind.BRANCH, condition="purchased", name="Купил?")
    yes, no = node(journey, 1, NodeKind.EXIT, name="Да"), node(journey, 2, NodeKind.EXIT, name="Нет")
    wire(branch, yes, no)
    with translation.override("ru"):
        chart = journey_diagram(journey=journey)
    assert sorted(e["label"] for e in chart["edges"]) == ["да", "нет"]
    assert chart["labels"]["reached"] == "прошли"


def test_results_and_diagram_take_the_same_queries_for_more_members():
    def queries(n, prefix):
        start = timezone.now() - dt.timedelta(days=5)
        journey, split, _nodes, _variants = ab_journey(people(n, prefix), people(n // 4, prefix + "h"), start=start)
        with CaptureQueriesContext(connection) as captured:
            split_results(node=split)
            journey_diagram(journey=journey)
        return len(captured)

    assert queries(8, "q") == queries(40, "r")
