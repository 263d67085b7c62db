"""The builder's "response to a campaign" condition: entered, opened, clicked, converted, as the results count."""
import datetime as dt
from decimal import Decimal

import pytest

from campaigns.tests.factories import CampaignFactory, CampaignMessageFactory, EntryFactory
from core.timezones import shop_day_start
from customers.tests.factories import EngagementEventFactory, MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.rules import CompileContext, rules_validate
from segments.rules.registry import RulesInvalid
from segments.selectors import rules_members

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def at(days_ago, hour=12):
    return shop_day_start(AS_OF - dt.timedelta(days=days_ago)) + dt.timedelta(hours=hour)


def select(**leaf):
    rules = rules_validate({"type": "campaign_response", **leaf})
    return set(rules_members(rules, context=CompileContext(as_of=AS_OF)).values_list("pk", flat=True))


def test_response_to_a_campaign():
    # given a campaign with a 7-day conversion window and one entrant per kind of response
    campaign = CampaignFactory(slug="winback", conversion_window_days=7)
    other = CampaignFactory(slug="other")
    entered, opener, clicker, buyer, late_buyer = (EntryFactory(campaign=campaign, triggered_at=at(20)) for _ in range(5))
    old = EntryFactory(campaign=campaign, triggered_at=at(100))
    elsewhere = EntryFactory(campaign=other, triggered_at=at(20))
    for entry, kind in ((opener, "open"), (clicker, "click"), (elsewhere, "open")):
        message = CampaignMessageFactory(entry=entry)
        EngagementEventFactory(member=entry.member, kind=kind, occurred_at=at(19), message_ref=f"outbox-{message.pk}")
    OrderFactory(member=buyer.member, created_at=at(17), total=Decimal("900"))
    OrderFactory(member=late_buyer.member, created_at=at(10), total=Decimal("900"))  # 10 days after: too late
    MemberFactory()
    everyone = {e.member_id for e in (entered, opener, clicker, buyer, late_buyer, old)}
    # then
    assert select(campaign="winback", response="entered") == everyone
    assert select(campaign="winback", response="entered", within_days=30) == everyone - {old.member_id}
    assert select(campaign="winback", response="opened") == {opener.member_id, clicker.member_id}
    assert select(campaign="winback", response="clicked") == {clicker.member_id}
    assert select(campaign="winback", response="converted") == {buyer.member_id}


def test_an_unknown_campaign_or_response_is_refused():
    CampaignFactory(slug="winback")
    with pytest.raises(RulesInvalid):
        rules_validate({"type": "campaign_response", "campaign": "nope", "response": "opened"})
    with pytest.raises(RulesInvalid):
        rules_validate({"type": "campaign_response", "campaign": "winback", "response": "liked"})
