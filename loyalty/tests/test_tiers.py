import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import MemberAccount, ProgrammeSettings, TierHistory
from loyalty.selectors import tier_progress
from loyalty.services import order_upsert, tiers_review
from loyalty.signals import tier_changed
from loyalty.tests.factories import OrderFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers():
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"tier_window_days": 365, "tier_grace_days": 30})
    return {
        "bronze": TierFactory(slug="bronze", name="Bronze", rank=1, threshold=Decimal("0")),
        "silver": TierFactory(slug="silver", name="Silver", rank=2, threshold=Decimal("10000"),
                              multiplier=Decimal("1.25"), perks="Free delivery"),
        "gold": TierFactory(slug="gold", name="Gold", rank=3, threshold=Decimal("30000"), multiplier=Decimal("1.5")),
    }


def buy(member, total, external_id, days_ago=0):
    return order_upsert(source="shop", external_id=external_id, member=member,
                        created_at=timezone.now() - dt.timedelta(days=days_ago), status="completed", total=total,
                        currency="RUB", channel="store", store="", lines=[])


def tier_of(member):
    return MemberAccount.objects.get(member=member).tier.slug


def test_upgrade_happens_at_once_when_the_member_qualifies(tiers):
    member = MemberFactory()
    changes = []
    receiver = lambda sender, member, from_tier, to_tier, **kw: changes.append((from_tier, to_tier))  # noqa: E731
    tier_changed.connect(receiver)
    try:
        buy(member, "4000.00", "A")
        assert tier_of(member) == "bronze"
        buy(member, "7000.00", "B")
    finally:
        tier_changed.disconnect(receiver)
    assert tier_of(member) == "silver"
    assert changes == [(None, tiers["bronze"]), (tiers["bronze"], tiers["silver"])]
    assert TierHistory.objects.filter(member=member).count() == 2


def test_downgrade_only_at_review_after_the_grace_period(tiers):
    # given a silver member whose qualifying spend has left the window
    member = MemberFactory()
    buy(member, "12000.00", "A", days_ago=300)
    assert tier_of(member) == "silver"
    today = shop_today()
    later = today + dt.timedelta(days=100)  # the order is now 400 days old
    # when the review runs: first the grace period starts, the tier stays
    assert tiers_review(as_of=later)["grace_started"] == 1
    assert tier_of(member) == "silver"
    # and 29 days later still silver
    tiers_review(as_of=later + dt.timedelta(days=29))
    assert tier_of(member) == "silver"
    # then after 30 days of grace the review downgrades to what they qualify for
    counts = tiers_review(as_of=later + dt.timedelta(days=30))
    assert counts["downgraded"] == 1 and tier_of(member) == "bronze"
    last = TierHistory.objects.filter(member=member).first()
    assert (last.from_tier, last.to_tier) == (tiers["silver"], tiers["bronze"])
    # running the review again the same day changes nothing
    assert tiers_review(as_of=later + dt.timedelta(days=30))["downgraded"] == 0


def test_a_member_back_above_the_line_keeps_the_tier_and_the_grace_period_resets(tiers):
    member = MemberFactory()
    buy(member, "12000.00", "A", days_ago=300)
    later = shop_today() + dt.timedelta(days=100)
    tiers_review(as_of=later)
    OrderFactory(member=member, total=Decimal("11000"), created_at=timezone.now() + dt.timedelta(days=90))
    tiers_review(as_of=later + dt.timedelta(days=31))
    account = MemberAccount.objects.get(member=member)
    assert account.tier.slug == "silver" and account.tier_below_since is None


def test_review_upgrades_members_without_a_tier_in_bulk(tiers):
    members = [MemberFactory() for _ in range(3)]
    for member in members:
        MemberAccount.objects.create(member=member)
    OrderFactory(member=members[0], total=Decimal("31000"))
    counts = tiers_review()
    assert counts["upgraded"] == 3
    assert [tier_of(m) for m in members] == ["gold", "bronze", "bronze"]


def test_tier_progress_says_how_much_more_and_by_when(tiers):
    member = MemberFactory()
    buy(member, "6800.00", "A", days_ago=65)
    progress = tier_progress(member=member)
    assert progress.current == tiers["bronze"] and progress.next == tiers["silver"]
    assert progress.amount_to_next == Decimal("3200.00")
    assert progress.progress_percent == 68
    # the oldest purchase leaves the 365-day window 300 days from now
    assert progress.deadline == shop_today() + dt.timedelta(days=300)
    silver = tier_progress(member=MemberFactory())
    assert silver.current is None and silver.next == tiers["bronze"] and silver.amount_to_next == 0


def test_a_tier_can_qualify_by_points_earned_and_shows_its_perks():
    from loyalty.tests.factories import EarningRuleFactory

    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    EarningRuleFactory(points_per_unit=Decimal("0.1"))
    TierFactory(slug="base", rank=1, threshold=Decimal("0"))
    TierFactory(slug="vip", rank=2, qualify_by="points", threshold=Decimal("500"), multiplier=Decimal("2"),
                      perks="Lounge access\nGift wrapping")
    member = MemberFactory()
    buy(member, "4000.00", "A")  # 400 points
    assert tier_of(member) == "base"
    assert tier_progress(member=member).amount_to_next == Decimal("100") and tier_progress(member=member).measure == "points"
    buy(member, "1000.00", "B")  # 500 points
    assert tier_of(member) == "vip"
    assert tier_progress(member=member).benefits == ["Баллы ×2 за каждую покупку", "Lounge access", "Gift wrapping"]
