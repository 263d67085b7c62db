"""Parallel clients on real PostgreSQL connections: retries and double taps must not spend twice."""
import re

import pytest

from core.exceptions import DomainError
from core.testing.parallel import errors_of, run_at_once
from loyalty import services as loyalty_services
from loyalty.models import Coupon, LedgerEntry, MemberAccount
from loyalty.tests.factories import RewardFactory
from portal.models import SignInCode
from portal.services import sign_in_code_request, sign_in_code_verify

from .conftest import client_for
from .factories import MemberWithUserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_retries_of_one_redeem_buy_one_coupon():
    # given a member with points for three rewards
    member = MemberWithUserFactory()
    reward = RewardFactory(points_cost=300)
    loyalty_services.points_award_bonus(member=member, points=1000, reason="start", cause_key="start")
    clients = [client_for(member) for _ in range(8)]
    # when eight connections send the same redeem with the same Idempotency-Key at once
    responses = run_at_once(8, lambda i: clients[i].post(f"/api/v1/me/rewards/{reward.pk}/redeem",
                                                          HTTP_IDEMPOTENCY_KEY="tap-1"))
    assert errors_of(responses) == []
    # then all get the one coupon and the points are spent once
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["code"] for r in responses}) == 1
    assert Coupon.objects.filter(member=member).count() == 1
    assert LedgerEntry.objects.filter(member=member, kind="redeem").count() == 1
    assert MemberAccount.objects.get(member=member).available_points == 700


def test_a_code_used_by_parallel_requests_signs_in_once(settings, sent):
    settings.PORTAL_LOGIN_LIMITS = {"sign_in": {"free": 10}}  # all six reach the code (the login's limit is not under test)
    member = MemberWithUserFactory()
    sign_in_code_request(login=member.email)
    code = re.search(r"\b(\d{6})\b", sent()[0]["body"]).group(1)

    outcomes = run_at_once(6, lambda _: sign_in_code_verify(login=member.email, code=code).pk)
    assert errors_of(outcomes, DomainError) == []
    results = [o.code if isinstance(o, DomainError) else o for o in outcomes]
    assert sorted(results, key=str) == sorted([member.pk] + ["invalid_code"] * 5, key=str)
    assert SignInCode.objects.get(member=member).used_at is not None
