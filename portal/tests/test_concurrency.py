"""Parallel clients on real PostgreSQL connections: retries and double taps must not spend twice."""
import re
import threading

import pytest
from django.db import connection

from campaigns.models import OutboxMessage

from loyalty import services as loyalty_services
from loyalty.models import Coupon, LedgerEntry, MemberAccount
from loyalty.tests.factories import RewardFactory
from portal.models import SignInCode
from portal.services import sign_in_code_request, sign_in_code_verify

from .conftest import client_for
from .factories import MemberWithUserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_parallel(count, work):
    barrier, results = threading.Barrier(count), []

    def run(index):
        try:
            barrier.wait()
            results.append(work(index))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_retries_of_one_redeem_buy_one_coupon():
    # given a member with points for three rewards
    member = MemberWithUserFactory()
    reward = RewardFactory(points_cost=300)
    loyalty_services.points_award_bonus(member=member, points=1000, reason="start", cause_key="start")
    clients = [client_for(member) for _ in range(8)]
    # when eight connections send the same redeem with the same Idempotency-Key at once
    responses = _in_parallel(8, lambda i: clients[i].post(f"/api/v1/me/rewards/{reward.pk}/redeem",
                                                          HTTP_IDEMPOTENCY_KEY="tap-1"))
    # then all get the one coupon and the points are spent once
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["code"] for r in responses}) == 1
    assert Coupon.objects.filter(member=member).count() == 1
    assert LedgerEntry.objects.filter(member=member, kind="redeem").count() == 1
    assert MemberAccount.objects.get(member=member).available_points == 700


def test_a_code_used_by_parallel_requests_signs_in_once():
    member = MemberWithUserFactory()
    sign_in_code_request(login=member.email)
    code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(member=member).body).group(1)

    def verify(_index):
        try:
            return sign_in_code_verify(login=member.email, code=code).pk
        except Exception as exc:  # DomainError: the code was already used
            return getattr(exc, "code", repr(exc))

    results = _in_parallel(6, verify)
    assert sorted(results, key=str) == sorted([member.pk] + ["invalid_code"] * 5, key=str)
    assert SignInCode.objects.get(member=member).used_at is not None
