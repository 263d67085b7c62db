"""Celery queues and time limits: messages never wait behind the nightly passes; no task runs unbounded."""
import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.celery import app

OUR_APPS = ("core.", "customers.", "events.", "loyalty.", "lifecycle.", "segments.", "analytics.", "campaigns.", "portal.")


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def our_tasks():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith(OUR_APPS))


def test_the_outbox_which_sends_sign_in_codes_and_webhooks_has_a_queue_of_its_own():
    # given the task every transactional message, campaign send and webhook goes through
    # when it is routed
    # then it lands on `messages`, which no nightly pass shares
    assert queue_of("campaigns.tasks.outbox_send_due_task") == "messages"
    assert {queue_of(name) for name in our_tasks() if name != "campaigns.tasks.outbox_send_due_task"} <= {
        "celery", "bulk"}


@pytest.mark.django_db
def test_every_nightly_pass_and_its_fan_out_goes_to_bulk():
    # given the schedule the migrations seed: crontab entries are the nightly passes
    nightly = set(PeriodicTask.objects.filter(crontab__isnull=False).values_list("task", flat=True))
    fan_outs = {"segments.tasks.segment_refresh_task", "lifecycle.tasks.lifecycle_recompute_range_task"}
    assert len(nightly) >= 6
    # when they are routed, then every one is on bulk
    assert {name: queue_of(name) for name in nightly | fan_outs} == {name: "bulk" for name in nightly | fan_outs}
    # and so is the campaign planning sweep, which fans out over every member's transitions
    assert queue_of("campaigns.tasks.campaigns_plan_due_task") == "bulk"


def test_the_per_minute_sweeps_stay_on_the_default_queue():
    for name in ["segments.tasks.dirty_members_refresh", "campaigns.tasks.planned_actions_run_task",
                 "core.tasks.idempotency_keys_purge", "core.tasks.ping"]:
        assert queue_of(name) == "celery", name


def test_every_task_has_a_soft_and_a_hard_time_limit_below_the_brokers_redelivery():
    # given every task of our apps, with the limits the worker applies (its own, else the settings' defaults)
    visibility = settings.REDIS_VISIBILITY_TIMEOUT
    for name in our_tasks():
        task = app.tasks[name]
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        # then both are set, the soft one first, and both end before Redis would hand the task to another worker
        assert soft and hard and soft < hard < visibility, (name, soft, hard)


def test_the_outbox_pass_is_stopped_before_its_rows_lease_runs_out():
    # given the outbox task's limits and the lease it holds on the rows it claimed
    task = app.tasks["campaigns.tasks.outbox_send_due_task"]
    # then it is killed before another worker may claim its rows again, and not before its time budget ends
    assert settings.CAMPAIGNS_OUTBOX_TIME_BUDGET < task.soft_time_limit < task.time_limit
    assert task.time_limit < settings.CAMPAIGNS_OUTBOX_LEASE_SECONDS


def test_the_nightly_passes_may_run_longer_than_the_default():
    task = app.tasks["segments.tasks.member_stats_refresh_task"]
    assert task.soft_time_limit == settings.CELERY_BULK_SOFT_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert task.time_limit == settings.CELERY_BULK_TIME_LIMIT > settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.worker
def test_a_sign_in_code_is_sent_while_a_nightly_pass_waits_for_a_bulk_worker(celery_worker_process, tmp_path, settings):
    # given a nightly pass queued first, no bulk worker, and a worker that consumes only `messages`
    from campaigns.models import OutboxMessage, OutboxStatus
    from campaigns.services import transactional_enqueue
    from core.testing.celery_worker import wait_until
    from segments.tasks import member_stats_refresh_task

    provider_log = tmp_path / "provider.log"
    worker = celery_worker_process(queues="messages", extra_env={
        "CAMPAIGNS_SMS_CHANNEL": "campaigns.channels.recording.FileRecordingChannel",
        "CAMPAIGNS_RECORDING_PATH": str(provider_log)})
    member_stats_refresh_task.delay()
    # when a sign-in code is queued and its commit nudges a worker, as on the portal
    settings.CAMPAIGNS_OUTBOX_KICK = True
    transactional_enqueue(member=None, channel="sms", subject="", body="code 123456", dedupe_key="sign-in", to="+79")
    # then the messages worker sends it; the nightly pass never reached it
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 1, message="sent")
    assert "member_stats_refresh_task[" not in worker.log()
