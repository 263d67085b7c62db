import uuid

import pytest

from core.tasks import ping
from core.testing.celery_worker import wait_until


@pytest.mark.worker
def test_real_worker_consumes_from_redis_and_can_be_restarted(celery_worker_process):
    # given a worker on the test database and the Redis broker
    worker = celery_worker_process()
    # when a task is queued, the worker is killed, and a new worker started
    first = ping.delay(uuid.uuid4().hex)
    wait_until(lambda: f"[{first.id}] succeeded" in worker.log(), message="first ping")
    worker.kill()
    second = ping.delay(uuid.uuid4().hex)
    restarted = celery_worker_process()
    # then the message queued while no worker ran is consumed by the new one
    wait_until(lambda: f"[{second.id}] succeeded" in restarted.log(), message="second ping")
