import datetime as dt

import pytest
from django.utils import timezone

from loyalty import services as loyalty_services
from loyalty.models import Coupon, LedgerEntry, MemberAccount
from loyalty.tests.factories import CouponTemplateFactory, RewardFactory, TierFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [("get", "/api/v1/me/balance"), ("get", "/api/v1/me/ledger"), ("get", "/api/v1/me/tier"),
             ("get", "/api/v1/me/coupons"), ("get", "/api/v1/me/rewards")]


def _bonus(member, points, key):
    return loyalty_services.points_award_bonus(member=member, points=points, reason="Welcome", cause_key=key)


@pytest.mark.parametrize("method,url", ENDPOINTS)
def test_loyalty_endpoints_need_a_token(anon, method, url):
    assert getattr(anon, method)(url).status_code == 401


def test_balance_and_ledger_are_the_members_own(api, other_api, member, other_member):
    _bonus(member, 700, "b1")
    _bonus(other_member, 50, "b2")
    assert api.get("/api/v1/me/balance").json() == {"available": 700, "pending": 0, "debt": 0}
    ledger = api.get("/api/v1/me/ledger").json()
    assert [(e["kind"], e["points"]) for e in ledger["results"]] == [("bonus", 700)]
    assert [e["points"] for e in other_api.get("/api/v1/me/ledger").json()["results"]] == [50]


def test_ledger_filters_by_kind_and_date_and_paginates(api, member):
    _bonus(member, 700, "b1")
    loyalty_services.points_redeem(member=member, points=200, reason="Spent", cause_key="r1")
    assert [e["kind"] for e in api.get("/api/v1/me/ledger?kind=redeem").json()["results"]] == ["redeem"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert api.get(f"/api/v1/me/ledger?date_from={tomorrow}").json()["count"] == 0
    page = api.get("/api/v1/me/ledger?page_size=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


@pytest.mark.parametrize("query,field", [("kind=stolen", "kind"), ("date_from=yesterday", "date_from"),
                                         ("unknown=1", "unknown")])
def test_ledger_bad_filters_get_field_messages(api, query, field):
    response = api.get(f"/api/v1/me/ledger?{query}")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_tier_shows_progress_to_the_next_tier(api, member):
    base = TierFactory(slug="base", rank=1, threshold=0)
    TierFactory(slug="gold", name="Gold", rank=2, threshold=10000, perks="Free delivery")
    _bonus(member, 10, "b1")
    MemberAccount.objects.filter(member=member).update(tier=base)
    body = api.get("/api/v1/me/tier").json()
    assert (body["current"]["slug"], body["next"]["slug"]) == ("base", "gold")
    assert body["amount_to_next"] == "10000.00" and body["measure"] == "spend"
    assert 0 <= body["progress_percent"] <= 100


def test_coupons_by_state_and_another_members_coupon_is_404(api, other_api, member):
    template = CouponTemplateFactory()
    active = loyalty_services.coupon_issue(template=template, member=member, source="staff", cause_key="c1")
    expired = loyalty_services.coupon_issue(template=template, member=member, source="staff", cause_key="c2")
    Coupon.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert [c["code"] for c in api.get("/api/v1/me/coupons?state=active").json()["results"]] == [active.code]
    assert [c["code"] for c in api.get("/api/v1/me/coupons?state=expired").json()["results"]] == [expired.code]
    assert api.get("/api/v1/me/coupons?state=stolen").status_code == 400
    assert api.get(f"/api/v1/me/coupons/{active.pk}").json()["code"] == active.code
    assert other_api.get(f"/api/v1/me/coupons/{active.pk}").status_code == 404
    assert other_api.get("/api/v1/me/coupons").json()["count"] == 0


def test_rewards_list_says_what_the_member_can_afford(api, member):
    cheap, dear = RewardFactory(points_cost=100), RewardFactory(points_cost=10_000)
    _bonus(member, 500, "b1")
    rows = {r["id"]: r["affordable"] for r in api.get("/api/v1/me/rewards").json()["results"]}
    assert rows == {cheap.pk: True, dear.pk: False}


def test_redeeming_a_reward_spends_points_once_per_idempotency_key(api, member):
    reward = RewardFactory(points_cost=300)
    _bonus(member, 500, "b1")
    url = f"/api/v1/me/rewards/{reward.pk}/redeem"
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    retry = api.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == retry.status_code == 201
    assert first.json()["code"] == retry.json()["code"]
    assert api.get("/api/v1/me/balance").json()["available"] == 200
    assert api.get("/api/v1/me/coupons?state=active").json()["count"] == 1
    # a second purchase needs a new key, and then the points run out
    refused = api.post(url, HTTP_IDEMPOTENCY_KEY="k-2")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "insufficient_points"
    assert LedgerEntry.objects.filter(member=member, kind="redeem").count() == 1


def test_another_members_idempotency_key_does_not_return_their_coupon(api, other_api, member, other_member):
    reward = RewardFactory(points_cost=100)
    _bonus(member, 500, "b1")
    mine = api.post(f"/api/v1/me/rewards/{reward.pk}/redeem", HTTP_IDEMPOTENCY_KEY="same").json()
    theirs = other_api.post(f"/api/v1/me/rewards/{reward.pk}/redeem", HTTP_IDEMPOTENCY_KEY="same")
    assert theirs.status_code == 409 and mine["code"] not in theirs.content.decode()


def test_redeem_needs_a_key_and_an_active_reward(api, member):
    reward = RewardFactory(points_cost=100, active=False)
    _bonus(member, 500, "b1")
    assert api.post(f"/api/v1/me/rewards/{reward.pk}/redeem").status_code == 400
    assert api.post(f"/api/v1/me/rewards/{reward.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k").status_code == 404
    assert api.post("/api/v1/me/rewards/999999/redeem", HTTP_IDEMPOTENCY_KEY="k").status_code == 404
    assert api.get("/api/v1/me/balance").json()["available"] == 500
