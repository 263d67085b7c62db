"""A second beat started by mistake sends nothing twice (core.beat.SingleBeatScheduler on a real Redis)."""
import datetime as dt
import uuid

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app
from core.beat import SingleBeatScheduler

PROBE = "tests.beat_probe"  # not a registered task: the scheduler hands it to send_task, which we record


@pytest.fixture
def lock_name(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://...")
    settings.BEAT_LOCK_NAME = f"test-beat-lock-{uuid.uuid4().hex}"
    yield settings.BEAT_LOCK_NAME
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.BEAT_LOCK_NAME)


@pytest.fixture
def probe(transactional_db):
    """Only the probe is scheduled: due now (hourly, last run two hours ago)."""
    PeriodicTask.objects.update(enabled=False)
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    return PeriodicTask.objects.create(
        name="beat probe", task=PROBE, interval=hourly, last_run_at=timezone.now() - dt.timedelta(hours=2)
    )


def make_due_again(probe):
    probe.refresh_from_db()
    probe.last_run_at = timezone.now() - dt.timedelta(hours=2)
    probe.save()  # save() also marks the schedule changed, so a running beat reads it again


class Beat:
    """One beat process: a scheduler whose sends are recorded instead of published."""

    def __init__(self):
        self.sent = []
        self.scheduler = SingleBeatScheduler(app=app)
        self.scheduler.__dict__["producer"] = None  # no broker connection for publishing
        self.scheduler.send_task = lambda name, *args, **kwargs: self.sent.append(name)

    def run(self, ticks=4):
        for _ in range(ticks):
            self.scheduler.tick()

    def probes_sent(self):
        return self.sent.count(PROBE)


def test_a_second_beat_stands_by_while_the_first_sends(lock_name, probe):
    # given two beats started on the same database and Redis, both seeing the probe due
    first, second = Beat(), Beat()
    # when both tick, the first one first
    first.run()
    second.run()
    first.run()
    # then the task was sent once, by the beat holding the lock
    assert (first.probes_sent(), second.probes_sent()) == (1, 0)


def test_the_standby_takes_over_when_the_first_stops_and_resends_nothing(lock_name, probe):
    # given a beat that sent the due task and a standby that loaded the schedule before it was sent
    first, second = Beat(), Beat()
    first.run()
    second.run()
    # when the first beat stops cleanly and the standby ticks on
    first.scheduler.close()
    second.run()
    # then the standby took the lock but did not send again what the first had sent
    assert second.scheduler.beat_lock.held
    assert (first.probes_sent(), second.probes_sent()) == (1, 0)
    # and it sends the task the next time it is due
    make_due_again(probe)
    second.run()
    assert second.probes_sent() == 1


def test_a_beat_whose_lock_ran_out_stops_sending(lock_name, probe):
    # given a beat holding the lock, which then freezes past the lock's timeout (simulated: the key expires)
    first, second = Beat(), Beat()
    first.run()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(lock_name)
    # when the other beat takes the lock, the task falls due again, and the frozen beat wakes up
    second.run()
    make_due_again(probe)
    first.run()
    second.run()
    # then only the new holder sends it
    assert (first.probes_sent(), second.probes_sent()) == (1, 1)
    assert not first.scheduler.beat_lock.held
