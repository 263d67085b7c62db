import pytest
from django.db import IntegrityError, transaction

from customers.models import Member
from customers.selectors import member_time_zones
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_external_id_is_unique():
    # given
    MemberFactory(external_id="C1")
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(external_id="C1")


def test_external_id_cannot_be_empty():
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(external_id="")


def test_member_cannot_refer_themselves():
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(referred_by=member.pk)


def test_each_member_gets_a_distinct_referral_code():
    codes = {MemberFactory().referral_code for _ in range(20)}
    assert len(codes) == 20


def test_member_time_zones_lists_each_zone_once():
    for zone in ["Europe/Moscow", "Europe/Moscow", "Asia/Novosibirsk", "Europe/Moscow"]:
        MemberFactory(timezone=zone)
    assert sorted(member_time_zones()) == ["Asia/Novosibirsk", "Europe/Moscow"]
