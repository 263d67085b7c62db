"""core.rows: the ORM's own instances from a hand-written WHERE, with every field converted as the ORM does."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.api_keys import api_key_create
from core.models import ApiKey
from core.rows import model_row, model_rows
from customers.models import Member
from customers.tests.factories import MemberFactory
from loyalty.models import MemberAccount

pytestmark = pytest.mark.django_db


def test_a_row_reads_back_as_the_orm_would_read_it():
    # given a key with a JSON list, a timestamp and an integer, and a member with dates and decimals about
    key, _ = api_key_create(name="Till 1", scopes=["pos", "staff"], rate_limit=7)
    member = MemberFactory(external_id="C-1")
    # when read both ways
    fast_key = model_row(ApiKey, "prefix = %s", [key.prefix])
    fast_member = model_row(Member, "external_id = %s", ["C-1"])
    # then every field has the same value and type, and the instances are saved ones
    for fast, orm in ((fast_key, ApiKey.objects.get(pk=key.pk)), (fast_member, Member.objects.get(pk=member.pk))):
        for field in type(orm)._meta.concrete_fields:
            assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
            assert type(getattr(fast, field.attname)) is type(getattr(orm, field.attname)), field.name
        assert fast.pk == orm.pk and not fast._state.adding and fast._state.db == "default"
    assert fast_key.scopes == ["pos", "staff"] and fast_key.created_at.tzinfo is not None


def test_no_row_is_none_and_the_limit_holds():
    MemberFactory.create_batch(3, city="Tula")
    assert model_row(ApiKey, "prefix = %s", ["nope"]) is None
    assert len(model_rows(Member, "city = %s", ["Tula"], limit=2)) == 2


def test_a_lock_is_for_update_on_postgresql_and_one_statement():
    # given a member's account
    member = MemberFactory()
    MemberAccount.objects.create(member=member, available_points=5, pending_points=0)
    # when it is read with a lock inside a transaction
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        account = model_row(MemberAccount, "member_id = %s", [member.pk], lock=True)
    # then it is one statement, locking where the database can
    assert account.available_points == 5 and account.member_id == member.pk
    assert len(queries) == 1
    assert queries[0]["sql"].endswith("FOR UPDATE") == connection.features.has_select_for_update
