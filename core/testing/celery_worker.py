"""A real Celery worker process for tests of the scheduled path (PostgreSQL + Redis only).

The worker connects to the same test database as the test (so tests using it need
`transactional_db`: their rows must be committed to be seen) and to the broker in
CELERY_BROKER_URL. It can be killed mid-task and started again, to prove exactly-once behaviour.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, *, queues: str = "celery,messages,bulk", extra_env: dict | None = None):
        self.queues = queues
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])

    def start(self, timeout: float = 30.0) -> "WorkerProcess":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            **self.extra_env,
        }
        self.log_path.write_text("")
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-mingle", "--without-gossip", "--queues", self.queues],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log_path.read_text()}")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Celery worker did not become ready:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, as on a crash or OOM."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text()


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"):
    """Poll `predicate` (which may run queries) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}")
