import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics.clv.summary import purchase_summary
from analytics.services import clv_fit
from core.exceptions import DomainError
from core.timezones import shop_day_start
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.models import MemberStats, Segment
from segments.selectors import segment_members
from segments.services import segment_refresh, segment_save_rules
from segments.stats.refresh import member_stats_refresh

AS_OF = dt.date(2026, 6, 30)


def buy(member, day, total, *, hour=12, status="completed"):
    OrderFactory(member=member, created_at=shop_day_start(day) + dt.timedelta(hours=hour), total=Decimal(total),
                 status=status)


def steady_buyers(count, *, start):
    """Members buying 100 every 20 days from `start` to AS_OF: enough repeat buyers for both models."""
    members = []
    for n in range(count):
        member = MemberFactory()
        day = start + dt.timedelta(days=n % 7)
        while day <= AS_OF:
            buy(member, day, 100 + n)
            day += dt.timedelta(days=20 + n % 5)
        members.append(member)
    return members


@pytest.mark.django_db
def test_summary_counts_purchase_days_and_excludes_the_first_from_spend():
    # given two orders on the first day, a cancelled one, one repeat day, a purchase on the as-of day
    # and one after it
    member = MemberFactory()
    first = AS_OF - dt.timedelta(days=70)
    buy(member, first, "10.00", hour=9)
    buy(member, first, "30.00", hour=18)
    buy(member, first + dt.timedelta(days=10), "999.00", status="cancelled")
    buy(member, first + dt.timedelta(days=35), "50.00")
    buy(member, AS_OF, "70.00", hour=23)
    buy(member, AS_OF + dt.timedelta(days=1), "500.00", hour=0)
    # when
    summary = purchase_summary(as_of=AS_OF)
    # then three purchase days: two repeats, the last on the as-of day
    assert list(summary.member_id) == [member.pk]
    assert summary.frequency[0] == 2
    assert summary.recency_days[0] == 70 and summary.age_days[0] == 70
    assert summary.orders[0] == 4 and summary.total_spend[0] == 160
    assert summary.monetary[0] == pytest.approx(60.0)  # (50 + 70) / 2: the first day's 40 excluded
    assert summary.recent_spend[0] == 160  # all within the last 90 days


@pytest.mark.django_db
def test_fit_clv_stores_predictions_flags_declining_members_and_exports_them():
    # given 30 steady buyers, and a big spender who bought every 10 days for a year and stopped 80 days ago
    steady = steady_buyers(30, start=AS_OF - dt.timedelta(days=400))
    faded = MemberFactory()
    day = AS_OF - dt.timedelta(days=450)
    while day <= AS_OF - dt.timedelta(days=80):
        buy(faded, day, 5000)
        day += dt.timedelta(days=10)
    nobody = MemberFactory()
    member_stats_refresh(as_of=AS_OF)
    # when
    result = clv_fit(as_of=AS_OF, time_unit="days")
    # then every buyer is scored; the member without orders is not
    assert result.members == result.updated == 31
    stats = {s.member_id: s for s in MemberStats.objects.all()}
    assert stats[nobody.pk].predicted_clv is None
    assert stats[faded.pk].spend_trend == "declining"
    assert {stats[m.pk].spend_trend for m in steady} == {"stable"}
    # the faded spender is less likely alive than a steady buyer who bought recently
    assert stats[faded.pk].prob_alive < min(stats[m.pk].prob_alive for m in steady)
    for member in steady:
        s = stats[member.pk]
        assert 0 < s.predicted_purchases_90 < s.predicted_purchases_365
        assert s.predicted_clv > 0 and s.simple_clv > 0
    # and the high-value-declining condition finds exactly the faded spender
    segment = segment_save_rules(segment=Segment.objects.create(slug="fading", name="Fading"),
                                 rules={"type": "high_value_declining"})
    segment_refresh(segment=segment)
    assert list(segment_members("fading")) == [faded]
    # and the export carries the scores
    out = io.StringIO()
    call_command("export_members", stdout=out, stderr=io.StringIO())
    header, *rows = [line.split(",") for line in out.getvalue().splitlines()]
    for column in ("predicted_clv", "prob_alive", "predicted_purchases_365"):
        assert column in header
    row = next(r for r in rows if r[header.index("external_id")] == faded.external_id)
    assert Decimal(row[header.index("predicted_clv")]) == stats[faded.pk].predicted_clv


@pytest.mark.django_db
def test_a_second_fit_clears_members_whose_orders_were_returned_and_no_orders_is_an_error():
    # given a fitted shop
    members = steady_buyers(12, start=AS_OF - dt.timedelta(days=200))
    member_stats_refresh(as_of=AS_OF)
    clv_fit(as_of=AS_OF)
    # when one member's orders are all returned and the models are fitted again
    members[0].orders.update(status="returned")
    clv_fit(as_of=AS_OF)
    # then their scores are gone, the others' stay
    assert MemberStats.objects.get(member=members[0]).prob_alive is None
    assert MemberStats.objects.filter(prob_alive__isnull=False).count() == 11
    # and with no completed orders at all there is nothing to fit
    for member in members:
        member.orders.update(status="cancelled")
    with pytest.raises(DomainError) as error:
        clv_fit(as_of=AS_OF)
    assert error.value.code == "no_purchases"
