import json
import logging
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from celery import shared_task

from core.log_format import JsonLogFormatter
from core.request_id import RequestIdLogFilter, bind_request_id, current_origin_request_id, current_request_id
from core.tasks import ping
from core.testing.celery_worker import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _log_line(*, formatter, **log_kwargs) -> str:
    record = logging.LogRecord("loyalty.orders", logging.WARNING, __file__, 1, "order %s refused", ("A-1",), None)
    for key, value in log_kwargs.items():
        setattr(record, key, value)
    RequestIdLogFilter().filter(record)
    return formatter.format(record)


def test_a_json_line_has_time_level_logger_message_request_id_and_the_extras():
    # given a record logged inside a request, with an extra field
    with bind_request_id("req-12345678"):
        line = _log_line(formatter=JsonLogFormatter(), member_id=42, amount=Decimal("1.50"))

    # then it is one JSON object on one line with every field
    assert "\n" not in line
    body = json.loads(line)
    assert body["level"] == "WARNING" and body["logger"] == "loyalty.orders"
    assert body["message"] == "order A-1 refused"
    assert body["request_id"] == "req-12345678"
    assert body["member_id"] == 42 and body["amount"] == "1.50"
    assert body["time"].endswith("+00:00")
    assert "origin_request_id" not in body and "args" not in body


def test_a_json_line_keeps_the_traceback_on_the_same_line():
    # given an exception being logged
    try:
        raise ValueError("bad\ninput")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    RequestIdLogFilter().filter(record)

    # when / then
    line = JsonLogFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad\ninput" in json.loads(line)["exception"]


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_log_format_setting_chooses_json_lines_or_plain_text(log_format):
    # given a process started with LOG_FORMAT
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('probe').warning('hello %s', 'world', extra={'order': 'A-1'})")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_FORMAT": log_format}

    # when it logs
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=True)

    # then the line is a JSON object, or plain text with the request id placeholder
    line = result.stderr.strip().splitlines()[-1]
    if log_format == "json":
        body = json.loads(line)
        assert (body["message"], body["logger"], body["request_id"], body["order"]) == ("hello world", "probe", "-",
                                                                                        "A-1")
    else:
        assert line.endswith("WARNING probe [-] hello world")


@shared_task
def _report_ids():
    return current_request_id(), current_origin_request_id()


def test_a_task_runs_under_its_task_id_with_its_callers_id_as_origin():
    # given a request being handled
    with bind_request_id("req-abcdefgh"):
        # when it runs a task in process
        result = _report_ids.apply(task_id="task-0001")

    # then the task saw its own id, and the request's as origin; nothing is left bound after it
    assert result.get() == ("task-0001", "req-abcdefgh")
    assert current_request_id() is None and current_origin_request_id() is None


@pytest.mark.worker
def test_worker_log_lines_carry_the_task_id_and_the_enqueuing_requests_id(celery_worker_process):
    # given a worker logging JSON, on a queue of its own (other tests' workers may run at the same time)
    queue = f"log-format-{uuid.uuid4().hex[:8]}"
    worker = celery_worker_process(queues=queue, extra_env={"LOG_FORMAT": "json"})

    # when a request enqueues a task
    with bind_request_id("req-worker-join"):
        sent = ping.apply_async(args=[uuid.uuid4().hex], queue=queue)

    # then the worker's line for that task carries the task id as request id and the request's id as origin
    def task_line():
        for line in worker.log().splitlines():
            if line.startswith("{") and f"[{sent.id}] succeeded" in line:
                return json.loads(line)
    line = wait_until(task_line, message="the task's JSON log line")
    assert line["request_id"] == sent.id
    assert line["origin_request_id"] == "req-worker-join"
