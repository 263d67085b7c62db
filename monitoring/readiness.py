"""The readiness checks behind /health/ready: each returns a small dict with `ok`, or raises.

A check that raises counts as failed under its exception's class name (the message may name hosts, so it
goes to the log only). Each is bounded in time: the broker connection by HEALTH_BROKER_TIMEOUT_SECONDS.
"""
import logging
import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from campaigns.selectors import outbox_due_backlog

from .models import Heartbeat

logger = logging.getLogger(__name__)


def check_database(now):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def check_cache(now):
    key = f"health:ready:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": found}


def check_broker(now):
    timeout = settings.HEALTH_BROKER_TIMEOUT_SECONDS
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
    with current_app.connection_for_write(url=settings.CELERY_BROKER_URL, connect_timeout=timeout,
                                          transport_options=options) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    return {"ok": True}


def check_beat(now):
    beat_at = Heartbeat.objects.filter(name="beat").values_list("beat_at", flat=True).first()
    if beat_at is None:
        return {"ok": False, "age_seconds": None}
    age = (now - beat_at).total_seconds()
    return {"ok": age <= settings.HEALTH_BEAT_MAX_AGE_SECONDS, "age_seconds": round(age, 1)}


def check_outbox(now):
    backlog, oldest_due_at = outbox_due_backlog(now=now)
    age = (now - oldest_due_at).total_seconds() if oldest_due_at else 0.0
    return {"ok": age <= settings.HEALTH_OUTBOX_MAX_AGE_SECONDS, "oldest_due_age_seconds": round(age, 1),
            "backlog": backlog}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "beat": check_beat,
    "outbox": check_outbox,
}


def readiness(*, now=None) -> tuple[bool, dict[str, dict]]:
    """Run every check; returns (all passed, each check's result). Never raises."""
    now = now or timezone.now()
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check(now)
        except Exception as error:  # a check that cannot run has failed; the probe itself must answer
            logger.warning("readiness_check_failed check=%s error=%r", name, error)
            results[name] = {"ok": False, "error": type(error).__name__}
    return all(result["ok"] for result in results.values()), results
