"""member_account_attach: the till's lookup answers as with select_related("account__tier"), in one read."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.reused_serializers import ReusedSerializer
from customers.models import Member
from customers.tests.factories import MemberFactory
from loyalty.apis.members import MemberOutput
from loyalty.models import MemberAccount, Tier
from loyalty.selectors import member_account_attach, member_lookup_with_account
from loyalty.services.earning import earning_config, earning_config_clear

pytestmark = pytest.mark.django_db


def test_the_member_json_is_the_same_as_with_select_related(settings):
    settings.CONFIG_CACHE_SECONDS = 60  # as in production: the tiers come from the process cache
    # given a member in a tier, one with an account but no tier, and one without an account
    gold = Tier.objects.create(slug="gold", name="Gold", rank=3)
    in_tier, plain, bare = MemberFactory(), MemberFactory(), MemberFactory()
    MemberAccount.objects.create(member=in_tier, tier=gold, available_points=40, pending_points=5)
    MemberAccount.objects.create(member=plain, available_points=7)
    earning_config_clear()
    earning_config()  # warm
    for member in (in_tier, plain, bare):
        # when each is attached its account by one read
        fresh = Member.objects.get(pk=member.pk)
        with CaptureQueriesContext(connection) as queries:
            attached = member_account_attach(fresh)
            answer = ReusedSerializer(MemberOutput).data(attached)
        # then the answer is the select_related one, and the tier came from the cached programme config
        expected = MemberOutput(Member.objects.select_related("account__tier").get(pk=member.pk)).data
        assert json.dumps(answer) == json.dumps(expected)
        assert len(queries) == 1  # the account
    assert ReusedSerializer(MemberOutput).data(member_account_attach(Member.objects.get(pk=in_tier.pk)))["tier"] == "gold"


def test_the_tills_lookup_reads_the_member_and_its_account_in_one_statement(settings):
    settings.CONFIG_CACHE_SECONDS = 60
    # given a member in a tier, one with an account but no tier, and one without an account, each with a card
    gold = Tier.objects.create(slug="gold", name="Gold", rank=3)
    in_tier, plain, bare = (MemberFactory(card_number=f"CARD-{n}") for n in range(3))
    MemberAccount.objects.create(member=in_tier, tier=gold, available_points=40, pending_points=5)
    MemberAccount.objects.create(member=plain, available_points=7)
    earning_config_clear()
    earning_config()  # warm
    for member in (in_tier, plain, bare):
        # when the till looks each up by card
        with CaptureQueriesContext(connection) as queries:
            found = member_lookup_with_account(card=member.card_number)
            answer = ReusedSerializer(MemberOutput).data(found)
        # then the answer is the select_related one, from one statement
        expected = MemberOutput(Member.objects.select_related("account__tier").get(pk=member.pk)).data
        assert json.dumps(answer) == json.dumps(expected)
        assert len(queries) == 1
    # and a member without an account reads as Django's does: the relation raises
    with pytest.raises(Member.account.RelatedObjectDoesNotExist):
        member_lookup_with_account(card=bare.card_number).account  # noqa: B018
    assert member_lookup_with_account(card=plain.card_number).account.member.card_number == plain.card_number
