"""Prometheus metrics: what the processes count, and what is read from the database at scrape time.

Counted in each process (web and Celery): HTTP requests by method, route name and status, with latency;
orders written and points earned (on commit, from loyalty's signals); Celery task runs by outcome, with
duration. Read at scrape time by `OutboxCollector` with one query: the outbox's due backlog and the age
of its oldest due message.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn's workers, Celery's pool processes) every process writes its
counts to files there and a scrape adds them up; without it the counts are the serving process's own.
"""
import logging
import os

from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from campaigns.selectors import outbox_due_backlog

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 10800.0)

HTTP_REQUESTS = Counter("loyalty_http_requests", "HTTP requests answered.", ["method", "route", "status"])
HTTP_LATENCY = Histogram("loyalty_http_request_duration_seconds", "Time to answer an HTTP request.",
                         ["method", "route"], buckets=LATENCY_BUCKETS)
ORDERS_WRITTEN = Counter("loyalty_orders_written", "Orders created or updated by the order service (committed).",
                         ["status", "created"])
POINTS_EARNED = Counter("loyalty_points_earned", "Points credited by earn and bonus ledger entries (committed).")
TASKS = Counter("loyalty_celery_tasks", "Celery task runs by final state.", ["task", "outcome"])
TASK_DURATION = Histogram("loyalty_celery_task_duration_seconds", "Celery task run time.", ["task"],
                          buckets=TASK_BUCKETS)


class OutboxCollector:
    """Outbox gauges computed when scraped, so they are right whichever process answers."""

    def collect(self):
        now = timezone.now()
        try:
            backlog, oldest_due_at = outbox_due_backlog(now=now)
        except Exception:  # a scrape without these two gauges beats a failed scrape
            logger.exception("metrics_outbox_query_failed")
            return
        yield GaugeMetricFamily("loyalty_outbox_due_messages", "Outbox messages due and not sent yet.",
                                value=backlog)
        age = (now - oldest_due_at).total_seconds() if oldest_due_at else 0.0
        yield GaugeMetricFamily("loyalty_outbox_oldest_due_age_seconds",
                                "Seconds since the oldest unsent outbox message became due (0 when none).",
                                value=age)


def metrics_exposition() -> bytes:
    """The text a scrape gets: every process's counts (multiprocess mode) or this one's, and the outbox gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(OutboxCollector())
    return generate_latest(counted) + generate_latest(scraped)
