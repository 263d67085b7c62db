"""Exactly-once on PostgreSQL: parallel claims never overlap; a worker killed mid-send loses and repeats nothing."""
import time
from collections import Counter

import pytest

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.services import transactional_enqueue
from campaigns.services.outbox import outbox_claim
from campaigns.tasks import outbox_send_due_task
from core.testing.celery_worker import wait_until
from core.testing.parallel import errors_of, run_at_once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_claims_take_disjoint_rows():
    # given 40 due messages
    for n in range(40):
        transactional_enqueue(member=None, channel="sms", subject="", body="x", dedupe_key=f"p{n}", to="+7")

    # when four connections claim at the same moment
    claimed = run_at_once(4, lambda n: [m.pk for m in outbox_claim(batch_size=15, worker_id=f"w{n}")])
    # then every row is claimed by one worker only and all 40 are taken
    assert errors_of(claimed) == []
    ids = [pk for pks in claimed for pk in pks]
    assert len(ids) == len(set(ids)) == 40


@pytest.mark.worker
def test_worker_killed_mid_send_then_restarted_delivers_each_message_exactly_once(celery_worker_process, tmp_path):
    # given six queued messages and a slow provider that delivers each idempotency key once
    provider_log = tmp_path / "provider.log"
    env = {"CAMPAIGNS_SMS_CHANNEL": "campaigns.channels.recording.FileRecordingChannel",
           "CAMPAIGNS_RECORDING_PATH": str(provider_log), "CAMPAIGNS_RECORDING_DELAY": "0.4",
           "CAMPAIGNS_OUTBOX_LEASE_SECONDS": "2", "CAMPAIGNS_OUTBOX_BATCH": "2", "CAMPAIGNS_OUTBOX_KICK": "false"}
    for n in range(6):
        transactional_enqueue(member=None, channel="sms", subject="", body=f"code {n}", dedupe_key=f"k{n}", to=f"+7{n}")
    worker = celery_worker_process(extra_env=env)
    # when the worker is killed in the middle of its third send
    outbox_send_due_task.delay()
    wait_until(lambda: provider_log.exists() and provider_log.read_text().count("call ") >= 3, message="third call")
    worker.kill()
    interrupted = OutboxMessage.objects.filter(status=OutboxStatus.SENDING).count()
    # and a new worker runs the next beat tick after the dead worker's lease ran out
    celery_worker_process(extra_env=env)
    time.sleep(2.2)
    outbox_send_due_task.delay()
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 6, timeout=40,
               message="all six delivered")
    # then the provider delivered every message exactly once
    delivered = Counter(line.split()[1] for line in provider_log.read_text().splitlines() if line.startswith("delivered"))
    keys = {f"outbox-{pk}" for pk in OutboxMessage.objects.values_list("pk", flat=True)}
    assert set(delivered) == keys and set(delivered.values()) == {1}
    # and the row in flight at the kill was claimed again (a second attempt), not lost
    assert interrupted >= 1
    assert OutboxMessage.objects.filter(attempts=2).exists()


@pytest.mark.worker
def test_lifecycle_task_run_twice_on_a_real_worker_sends_each_message_once(celery_worker_process, tmp_path, send_rules):
    # given the seeded stages and "New" campaign (no holdout here), and three members who just became New
    import importlib

    from django.apps import apps

    from campaigns.models import Campaign, CampaignSettings
    from core.timezones import shop_today
    from lifecycle.models import StageTransition
    from lifecycle.tasks import lifecycle_recompute_all
    from lifecycle.tests.test_services import buyer

    importlib.import_module("lifecycle.migrations.0002_default_stages").seed(apps, None)
    importlib.import_module("campaigns.migrations.0005_default_campaigns").seed(apps, None)
    Campaign.objects.exclude(slug="stage-new").update(is_active=False)
    Campaign.objects.filter(slug="stage-new").update(holdout_percent=0, is_active=True)
    # sending at any hour: the test must not depend on when it runs (quiet hours are tested elsewhere)
    CampaignSettings.objects.exclude(pk=send_rules.pk).delete()
    today = shop_today()
    members = [buyer(1, 10, as_of=today) for _ in range(3)]
    for member in members:
        member.email_consent = True
        member.save()
    provider_log = tmp_path / "provider.log"
    worker = celery_worker_process(extra_env={
        "CAMPAIGNS_EMAIL_CHANNEL": "campaigns.channels.recording.FileRecordingChannel",
        "CAMPAIGNS_RECORDING_PATH": str(provider_log), "CAMPAIGNS_OUTBOX_KICK": "false"})
    # when the lifecycle task runs twice (its signal plans the campaign in the worker) and the sender twice
    lifecycle_recompute_all.delay(today.isoformat(), 2)
    wait_until(lambda: StageTransition.objects.count() == 3, message="three transitions")
    lifecycle_recompute_all.delay(today.isoformat(), 2)
    wait_until(lambda: worker.log().count("lifecycle_recompute_range_task[") >= 8, message="second run's ranges")
    wait_until(lambda: worker.log().count("succeeded") >= 6, message="all lifecycle tasks succeeded")
    outbox_send_due_task.delay()
    outbox_send_due_task.delay()
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 3, message="3 sent")
    wait_until(lambda: worker.log().count("outbox_send_due_task[") >= 4, message="both sender runs")
    # then each member got exactly one thank-you mail
    delivered = [line.split()[2] for line in provider_log.read_text().splitlines() if line.startswith("delivered")]
    assert sorted(delivered) == sorted(m.email for m in members)
    assert OutboxMessage.objects.count() == 3
