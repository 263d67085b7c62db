"""core.rows: the ORM's own instances from a hand-written WHERE, with every field converted as the ORM does."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.api_keys import api_key_create
from core.models import ApiKey
from core.rows import model_insert, model_row, model_rows, model_update, models_insert, rows_update
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


# --- writes ---------------------------------------------------------------------------------------------

def test_an_insert_writes_the_row_the_orm_would_write_and_sends_post_save():
    # given a key not yet saved, and a receiver of ApiKey's post_save (its configuration history listens too)
    from django.db.models.signals import post_save

    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=ApiKey, weak=False, dispatch_uid="test_rows_insert")
    try:
        key = ApiKey(name="Till 2", prefix="abcd1234", key_hash="0" * 64, scopes=["pos"], rate_limit=3)
        # when it is inserted
        with CaptureQueriesContext(connection) as queries:
            written = model_insert(key)
    finally:
        post_save.disconnect(sender=ApiKey, dispatch_uid="test_rows_insert")
    # then it is written with its primary key, auto_now_add stamped, as the ORM reads it back
    assert written and key.pk is not None and not key._state.adding
    stored = ApiKey.objects.get(pk=key.pk)
    assert (stored.name, stored.scopes, stored.rate_limit, stored.created_at) == ("Till 2", ["pos"], 3, key.created_at)
    assert seen == [(key.pk, True)]
    assert stored.history.count() == 1  # the history receiver saw it as a save
    assert sum(1 for query in queries if query["sql"].startswith("INSERT INTO \"core_apikey\"")) == 1


def test_an_insert_on_a_taken_unique_key_writes_nothing_and_is_false():
    # given a member with an account
    member = MemberFactory()
    MemberAccount.objects.create(member=member, available_points=5)
    # when another account for that member is inserted with the member as its conflict target
    again = MemberAccount(member=member, available_points=99)
    # then nothing is written and the instance stays unsaved
    assert model_insert(again, conflict=("member",)) is False
    assert again.pk is None
    assert list(MemberAccount.objects.values_list("available_points", flat=True)) == [5]


def test_an_update_writes_the_named_fields_and_stamps_auto_now():
    # given an account read a while ago
    member = MemberFactory()
    account = MemberAccount.objects.create(member=member, available_points=5)
    before = account.updated_at
    account.available_points, account.pending_points = 7, 30  # pending is not named below
    # when its available points are written
    model_update(account, ["available_points", "updated_at"])
    # then only those fields changed, and updated_at moved on as save(update_fields=…) does
    stored = MemberAccount.objects.get(pk=account.pk)
    assert (stored.available_points, stored.pending_points) == (7, 0)
    assert stored.updated_at == account.updated_at and stored.updated_at >= before


def test_rows_update_prepares_json_and_uuid_values_and_counts_rows():
    # given an idempotency claim with a token
    import datetime as dt
    import uuid

    from django.utils import timezone

    from core.models import IdempotencyKey

    token, now = uuid.uuid4(), timezone.now()
    IdempotencyKey.objects.create(owner="api-key:1", key="k", fingerprint="f", method="POST", path="/x",
                                  lock_token=token, locked_until=now, expires_at=now + dt.timedelta(hours=1))
    token_value = IdempotencyKey._meta.get_field("lock_token").get_db_prep_value(token, connection)
    # when the response is stored where the token matches, and again with another token
    stored = rows_update(IdempotencyKey, {"response_status": 201, "response_body": {"a": [1, "б"]}, "lock_token": None},
                         "owner = %s AND lock_token = %s", ["api-key:1", token_value])
    missed = rows_update(IdempotencyKey, {"response_status": 500}, "owner = %s AND lock_token = %s",
                         ["api-key:1", token_value])
    # then the first wrote one row, readable by the ORM, and the second none
    assert (stored, missed) == (1, 0)
    record = IdempotencyKey.objects.get()
    assert (record.response_status, record.response_body, record.lock_token) == (201, {"a": [1, "б"]}, None)


def test_many_rows_are_one_insert_with_their_primary_keys_in_order():
    # given two accounts' members and the accounts not yet saved
    first, second = MemberFactory(), MemberFactory()
    accounts = [MemberAccount(member=first, available_points=1), MemberAccount(member=second, available_points=2)]
    # when they are inserted
    with CaptureQueriesContext(connection) as queries:
        models_insert(accounts)
    # then in one statement, each instance with its own row's key
    assert len(queries) == 1
    assert [MemberAccount.objects.get(pk=account.pk).member_id for account in accounts] == [first.pk, second.pk]
    assert all(not account._state.adding for account in accounts)
