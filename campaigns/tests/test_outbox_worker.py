"""Exactly-once on PostgreSQL: parallel claims never overlap; a worker killed mid-send loses and repeats nothing."""
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from campaigns.models import OutboxMessage, OutboxStatus
from campaigns.services import transactional_enqueue
from campaigns.services.outbox import outbox_claim
from campaigns.tasks import outbox_send_due_task
from core.testing.celery_worker import wait_until


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_claims_take_disjoint_rows():
    # given 40 due messages
    for n in range(40):
        transactional_enqueue(member=None, channel="sms", subject="", body="x", dedupe_key=f"p{n}", to="+7")
    claimed, barrier = {}, threading.Barrier(4)

    def claim(worker):
        barrier.wait()
        try:
            claimed[worker] = [m.pk for m in outbox_claim(batch_size=15, worker_id=worker)]
        finally:
            connection.close()

    # when four connections claim at the same moment
    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # then every row is claimed by one worker only and all 40 are taken
    ids = [pk for pks in claimed.values() for pk in pks]
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
