import datetime as dt

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from campaigns.models import OutboxStatus
from campaigns.tests.factories import CampaignMessageFactory
from monitoring.models import Heartbeat
from monitoring.tasks import beat_heartbeat
from monitoring.tests.factories import HeartbeatFactory

pytestmark = pytest.mark.django_db

CHECKS = {"database", "cache", "broker", "beat", "outbox"}


@pytest.fixture(autouse=True)
def fast_probe(settings):
    settings.HEALTH_BROKER_TIMEOUT_SECONDS = 0.5
    settings.HEALTH_BEAT_MAX_AGE_SECONDS = 180
    settings.HEALTH_OUTBOX_MAX_AGE_SECONDS = 600


@pytest.fixture
def beat_ticked():
    return HeartbeatFactory(beat_at=timezone.now() - dt.timedelta(seconds=30))


def _ready(client):
    response = client.get("/health/ready")
    return response.status_code, response.json()


def test_ready_answers_200_with_every_check_when_all_pass(client, beat_ticked):
    # given a fresh heartbeat and an outbox whose only due message is a minute old
    CampaignMessageFactory(due_at=timezone.now() - dt.timedelta(minutes=1))

    # when
    status, body = _ready(client)

    # then
    assert status == 200 and body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["beat"]["age_seconds"] == pytest.approx(30, abs=5)
    assert body["checks"]["outbox"]["backlog"] == 1


def test_liveness_stays_cheap_and_knows_nothing_of_the_other_checks(client):
    # given no heartbeat at all (readiness would fail) / when / then
    response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_database_error_fails_the_database_check(client, beat_ticked, monkeypatch):
    # given a database that refuses connections
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.9 failed")
    monkeypatch.setattr(connection, "cursor", refuse)

    # when
    status, body = _ready(client)

    # then it is named, with the error's kind but not its message (which names hosts)
    assert status == 503 and body["status"] == "fail"
    assert "database" in body["failing"]
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert "10.0.0.9" not in str(body)


def test_an_unreachable_cache_fails_the_cache_check(client, beat_ticked, settings):
    # given a Redis cache where nothing listens
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}

    # when
    status, body = _ready(client)

    # then only the cache fails
    assert status == 503 and body["failing"] == ["cache"]


def test_an_unreachable_broker_fails_the_broker_check_within_its_timeout(client, beat_ticked, settings):
    # given a broker URL where nothing listens
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    # when
    started = timezone.now()
    status, body = _ready(client)

    # then only the broker fails, and the probe did not hang
    assert status == 503 and body["failing"] == ["broker"]
    assert (timezone.now() - started).total_seconds() < 10


def test_a_stale_heartbeat_fails_the_beat_check(client):
    # given beat's last tick four minutes ago (the limit is three)
    HeartbeatFactory(beat_at=timezone.now() - dt.timedelta(minutes=4))

    # when
    status, body = _ready(client)

    # then
    assert status == 503 and body["failing"] == ["beat"]
    assert body["checks"]["beat"]["age_seconds"] == pytest.approx(240, abs=5)


def test_a_beat_that_never_ticked_fails_the_beat_check(client):
    # given no heartbeat row / when
    status, body = _ready(client)

    # then
    assert status == 503 and body["failing"] == ["beat"]


def test_the_heartbeat_task_makes_beat_ready_again(client):
    # given a stale heartbeat
    HeartbeatFactory(beat_at=timezone.now() - dt.timedelta(hours=1))

    # when beat's task runs
    beat_heartbeat.apply()

    # then one row, fresh, and the check passes
    assert Heartbeat.objects.count() == 1
    status, body = _ready(client)
    assert status == 200 and body["checks"]["beat"]["ok"] is True


def test_an_old_due_outbox_message_fails_the_outbox_check(client, beat_ticked):
    # given a message due 20 minutes ago and still pending (the limit is 10 minutes)
    CampaignMessageFactory(due_at=timezone.now() - dt.timedelta(minutes=20))

    # when
    status, body = _ready(client)

    # then
    assert status == 503 and body["failing"] == ["outbox"]
    assert body["checks"]["outbox"]["oldest_due_age_seconds"] == pytest.approx(1200, abs=5)


def test_sent_and_future_messages_are_no_backlog(client, beat_ticked):
    # given an old delivered message and one planned for tomorrow
    CampaignMessageFactory(due_at=timezone.now() - dt.timedelta(days=1), status=OutboxStatus.DELIVERED)
    CampaignMessageFactory(due_at=timezone.now() + dt.timedelta(days=1))

    # when
    status, body = _ready(client)

    # then
    assert status == 200
    assert body["checks"]["outbox"] == {"ok": True, "oldest_due_age_seconds": 0.0, "backlog": 0}


def test_ready_refuses_writes(client):
    assert client.post("/health/ready").status_code == 405


def test_beat_schedules_the_heartbeat_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="monitoring.tasks.beat_heartbeat")
    assert (task.interval.every, task.interval.period, task.enabled) == (60, "seconds", True)


def test_a_fresh_beat_sends_the_heartbeat_at_its_first_tick():
    # given the schedule as migrated, the heartbeat never run
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    PeriodicTask.objects.filter(task="monitoring.tasks.beat_heartbeat").update(date_changed=timezone.now())
    task = PeriodicTask.objects.get(task="monitoring.tasks.beat_heartbeat")
    assert task.last_run_at is None
    # when beat reads it just after the release step
    entry = ModelEntry(task, app=None)
    # then it is due now, not a minute later (a fresh deploy's /health/ready would fail until then)
    due, _ = entry.is_due()
    assert due
