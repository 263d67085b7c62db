"""Idempotency-Key semantics, proven on a test endpoint that writes a member row."""
import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.idempotency import idempotency_claim, idempotency_keys_purge, request_fingerprint
from core.models import IdempotencyKey
from core.testing.parallel import errors_of, run_at_once
from core.tests.factories import ApiKeyFactory, auth_header
from customers.models import Member

URL = "/test/members"
pytestmark = pytest.mark.urls("core.tests.idempotency_urls")


def post(client, key, body, idempotency_key=None):
    headers = auth_header(key)
    if idempotency_key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    return client.post(URL, body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response_and_writes_once(client):
    # given a first request with a key
    key = ApiKeyFactory()
    first = post(client, key, {"external_id": "A1", "refuse": False}, "k-1")
    # when the client retries it, with the body's keys in another order
    retry = client.post(
        URL, '{"refuse": false, "external_id": "A1"}', content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1", **auth_header(key),
    )
    # then the first response comes back, marked as a replay, and one member exists
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert Member.objects.filter(external_id="A1").count() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_422_and_writes_nothing(client):
    key = ApiKeyFactory()
    post(client, key, {"external_id": "A1"}, "k-1")
    response = post(client, key, {"external_id": "B2"}, "k-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Member.objects.filter(external_id="B2").exists()


@pytest.mark.django_db
def test_keys_are_scoped_to_the_api_key(client):
    # given two tills that happen to use the same key
    till_a, till_b = ApiKeyFactory(), ApiKeyFactory()
    post(client, till_a, {"external_id": "A1"}, "same")
    # when the second sends another body under it, then it is its own request, not a reuse
    response = post(client, till_b, {"external_id": "B2"}, "same")
    assert response.status_code == 201
    assert Member.objects.filter(external_id__in=["A1", "B2"]).count() == 2


@pytest.mark.django_db
def test_a_retry_while_the_first_still_runs_is_409(client):
    # given a request that claimed its key and has not finished
    key = ApiKeyFactory()
    body = {"external_id": "A1"}
    fingerprint = request_fingerprint(method="POST", path=URL, body=body)
    idempotency_claim(owner=f"api-key:{key.pk}", key="k-1", fingerprint=fingerprint)
    # when the client retries, then it hears 409 and nothing is written
    response = post(client, key, body, "k-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"
    assert not Member.objects.filter(external_id="A1").exists()


@pytest.mark.django_db
def test_a_claim_whose_request_died_is_taken_over_after_its_lock_expires(client):
    # given a claim left by a process that died mid-request (its transaction rolled back)
    key = ApiKeyFactory()
    body = {"external_id": "A1"}
    idempotency_claim(
        owner=f"api-key:{key.pk}", key="k-1", fingerprint=request_fingerprint(method="POST", path=URL, body=body)
    )
    IdempotencyKey.objects.filter(key="k-1").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    # when the client retries, then the retry runs and its result is kept
    assert post(client, key, body, "k-1").status_code == 201
    assert IdempotencyKey.objects.get(key="k-1").response_status == 201


@pytest.mark.django_db
def test_a_refused_request_writes_nothing_and_its_4xx_is_replayed(client):
    key = ApiKeyFactory()
    body = {"external_id": "A1", "refuse": True}
    first = post(client, key, body, "k-1")
    retry = post(client, key, body, "k-1")
    assert first.status_code == retry.status_code == 400
    assert retry.json() == first.json() and first.json()["error"]["code"] == "refused"
    assert not Member.objects.filter(external_id="A1").exists()  # the view's write rolled back


@pytest.mark.django_db
def test_a_crashed_request_releases_its_key_so_the_client_may_retry(client):
    key = ApiKeyFactory()
    client.raise_request_exception = False
    assert post(client, key, {"external_id": "A1", "crash": True}, "k-1").status_code == 500
    assert not IdempotencyKey.objects.exists() and not Member.objects.exists()


@pytest.mark.django_db
def test_without_a_key_each_request_runs(client):
    key = ApiKeyFactory()
    assert post(client, key, {"external_id": "A1"}).status_code == 201
    assert post(client, key, {"external_id": "A2"}).status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_an_overlong_key_is_refused(client):
    response = post(client, ApiKeyFactory(), {"external_id": "A1"}, "x" * 256)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_keys_live_24_hours_then_the_purge_deletes_them_and_the_key_is_free(client):
    # given a completed key
    key = ApiKeyFactory()
    post(client, key, {"external_id": "A1"}, "k-1")
    record = IdempotencyKey.objects.get()
    assert dt.timedelta(hours=23, minutes=59) < record.expires_at - record.created_at <= dt.timedelta(hours=24, minutes=1)
    # when the purge runs before expiry nothing goes; after it, the key is deleted
    assert idempotency_keys_purge(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert idempotency_keys_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1
    # then the same key may carry a new request
    assert post(client, key, {"external_id": "A2"}, "k-1").status_code == 201


@pytest.mark.django_db
def test_the_purge_also_removes_claims_of_requests_that_died_but_keeps_live_ones():
    # given two expired claims: one whose request died long ago, one still locked (running)
    dead = idempotency_claim(owner="api-key:1", key="dead", fingerprint="x")
    live = idempotency_claim(owner="api-key:1", key="live", fingerprint="x")
    later = timezone.now() + dt.timedelta(hours=25)
    IdempotencyKey.objects.filter(key="dead").update(locked_until=later - dt.timedelta(minutes=1))
    IdempotencyKey.objects.filter(key="live").update(locked_until=later + dt.timedelta(minutes=1))
    # when the purge runs after they expired, then only the dead claim goes
    assert idempotency_keys_purge(now=later) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]
    assert dead.token and live.token


@pytest.mark.django_db
def test_the_purge_is_scheduled_hourly_by_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="core.tasks.idempotency_keys_purge")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "hours"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_clients_with_the_same_key_write_exactly_once():
    # given 50 clients about to send the same request with the same key at the same moment
    key = ApiKeyFactory(rate_limit=1000)
    body = {"external_id": "P1", "pause": 0.3}

    # when they all send it
    responses = run_at_once(50, lambda _: post(Client(), key, body, "same-key"))
    # then one member row exists; every answer is the one result or "still in progress"
    assert errors_of(responses) == []
    assert Member.objects.filter(external_id="P1").count() == 1
    codes = sorted({r.status_code for r in responses})
    assert set(codes) <= {201, 409} and 201 in codes and len(responses) == 50
    created = [r.json() for r in responses if r.status_code == 201]
    assert all(body == created[0] for body in created)
    # and a retry after they finished replays that result
    assert post(Client(), key, body, "same-key").json() == created[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_in_autocommit_commits_asynchronously_without_changing_the_session():
    # given a connection in autocommit, as the API's claim runs
    assert connection.get_autocommit()
    # when a key is claimed twice
    first = idempotency_claim(owner="api-key:1", key="k", fingerprint="f")
    with pytest.raises(Exception) as second:
        idempotency_claim(owner="api-key:1", key="k", fingerprint="f")
    # then the first claim is committed and visible, the second is refused as in progress
    assert not first.is_replay and IdempotencyKey.objects.filter(key="k").count() == 1
    assert second.value.code == "idempotency_request_in_progress"
    # and SET LOCAL stayed inside the claim's own statement: later commits are synchronous again
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
