"""Metrics fed by signals: orders and points from loyalty (counted once their transaction commits), and Celery
task runs. Connected by MonitoringConfig.ready in web and worker processes alike."""
import time

from celery import signals as celery_signals
from django.db import transaction
from django.dispatch import receiver

from loyalty.signals import order_recorded, points_earned

from .metrics import ORDERS_WRITTEN, POINTS_EARNED, TASK_DURATION, TASKS


@receiver(order_recorded, dispatch_uid="monitoring_count_order")
def _count_order(sender, order, created, **kwargs):
    counter = ORDERS_WRITTEN.labels(status=order.status, created="true" if created else "false")
    transaction.on_commit(counter.inc)


@receiver(points_earned, dispatch_uid="monitoring_count_points")
def _count_points(sender, member, entry, **kwargs):
    points = entry.points
    transaction.on_commit(lambda: POINTS_EARNED.inc(points))


_started: dict[str, float] = {}  # task id → perf_counter at task_prerun


@celery_signals.task_prerun.connect(dispatch_uid="monitoring_task_started")
def _task_started(sender=None, task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@celery_signals.task_postrun.connect(dispatch_uid="monitoring_task_finished")
def _task_finished(sender=None, task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    name = getattr(task, "name", None) or "unknown"
    if started is not None:
        TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)
    TASKS.labels(task=name, outcome=(state or "unknown").lower()).inc()
