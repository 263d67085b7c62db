import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from campaigns.tests.factories import CampaignMessageFactory
from core.tasks import ping
from customers.tests.factories import MemberFactory
from loyalty.models import ProgrammeSettings
from loyalty.services import order_upsert
from loyalty.tests.factories import EarningRuleFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-0123456789"


def sample(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


# --- access --------------------------------------------------------------------------------------------------

def test_metrics_are_closed_to_everyone_when_neither_token_nor_addresses_are_set(client, settings):
    # given no METRICS_TOKEN and no METRICS_ALLOWED_IPS
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", []

    # when / then even a local client with an empty bearer is refused, with the JSON error body
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_metrics_answer_the_right_bearer_token_only(client, metrics_token):
    # when / then
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_answer_peers_in_the_allowed_networks_and_no_forwarded_address(client, settings):
    # given the Prometheus server's network allowed, and no token
    import ipaddress

    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.0.0/16")]

    # when / then a peer inside it reads them; one outside does not, whatever X-Forwarded-For says
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403


# --- HTTP --------------------------------------------------------------------------------------------------

def test_requests_are_counted_by_method_route_name_and_status_with_latency(client):
    # given the counts so far
    ok = dict(method="GET", route="health", status="200")
    refused = dict(method="POST", route="health", status="405")
    before = (sample("loyalty_http_requests_total", **ok), sample("loyalty_http_requests_total", **refused),
              sample("loyalty_http_request_duration_seconds_count", method="GET", route="health"))

    # when
    client.get("/health/")
    client.get("/health/")
    client.post("/health/")

    # then
    assert sample("loyalty_http_requests_total", **ok) == before[0] + 2
    assert sample("loyalty_http_requests_total", **refused) == before[1] + 1
    assert sample("loyalty_http_request_duration_seconds_count", method="GET", route="health") == before[2] + 2


def test_unknown_paths_and_methods_share_one_label_each(client):
    # given
    before = sample("loyalty_http_requests_total", method="other", route="unmatched", status="404")

    # when a client invents paths and a method
    for n in range(3):
        client.generic("BREW", f"/no-such-page-{n}/")

    # then they are one series, not three
    assert sample("loyalty_http_requests_total", method="other", route="unmatched", status="404") == before + 3


# --- orders and points ---------------------------------------------------------------------------------------

def _order(member, external_id, status="completed"):
    return order_upsert(source="pos", external_id=external_id, member=member, created_at=timezone.now(),
                        status=status, total="1000.00", currency="RUB", channel="store", store="",
                        lines=[{"sku": "TEA", "quantity": "1", "unit_price": "1000.00"}])


def test_committed_orders_and_their_points_are_counted(django_capture_on_commit_callbacks):
    # given a base rate of 1 point per 10 ₽
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    created = dict(status="completed", created="true")
    resent = dict(status="completed", created="false")
    before = (sample("loyalty_orders_written_total", **created), sample("loyalty_orders_written_total", **resent),
              sample("loyalty_points_earned_total"))

    # when a new order commits, then the same order is sent again
    with django_capture_on_commit_callbacks(execute=True):
        _order(member, "M-1")
    with django_capture_on_commit_callbacks(execute=True):
        _order(member, "M-1")

    # then two writes, one of them new, and the 100 points once
    assert sample("loyalty_orders_written_total", **created) == before[0] + 1
    assert sample("loyalty_orders_written_total", **resent) == before[1] + 1
    assert sample("loyalty_points_earned_total") == before[2] + 100


def test_an_order_whose_transaction_rolls_back_is_not_counted(django_capture_on_commit_callbacks):
    # given
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))
    member = MemberFactory()
    before = (sample("loyalty_orders_written_total", status="completed", created="true"),
              sample("loyalty_points_earned_total"))

    # when the order's transaction fails after the order was written
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _order(member, "M-2")
            raise RuntimeError("the caller's next step failed")

    # then nothing was counted
    assert sample("loyalty_orders_written_total", status="completed", created="true") == before[0]
    assert sample("loyalty_points_earned_total") == before[1]


# --- outbox -------------------------------------------------------------------------------------------------

def test_outbox_backlog_and_oldest_due_age_are_read_at_scrape_time(client, metrics_token):
    # given two due messages, the older due 5 minutes ago, and one planned for tomorrow
    now = timezone.now()
    CampaignMessageFactory(due_at=now - dt.timedelta(minutes=5))
    CampaignMessageFactory(due_at=now - dt.timedelta(minutes=1))
    CampaignMessageFactory(due_at=now + dt.timedelta(days=1))

    # when
    lines = {line.split(" ")[0]: float(line.split(" ")[1]) for line in scrape(client).splitlines()
             if line.startswith("loyalty_outbox_")}

    # then
    assert lines["loyalty_outbox_due_messages"] == 2
    assert lines["loyalty_outbox_oldest_due_age_seconds"] == pytest.approx(300, abs=10)


def test_the_outbox_gauges_cost_one_query(client, metrics_token, django_assert_num_queries):
    with django_assert_num_queries(1):
        scrape(client)


# --- Celery -------------------------------------------------------------------------------------------------

@shared_task
def _failing_task():
    raise ValueError("broken")


def test_task_runs_are_counted_by_outcome_and_timed():
    # given
    succeeded = dict(task="core.tasks.ping", outcome="success")
    failed = dict(task=_failing_task.name, outcome="failure")
    before = (sample("loyalty_celery_tasks_total", **succeeded), sample("loyalty_celery_tasks_total", **failed),
              sample("loyalty_celery_task_duration_seconds_count", task="core.tasks.ping"))

    # when one task succeeds and one fails
    ping.apply(args=["x"])
    _failing_task.apply()

    # then
    assert sample("loyalty_celery_tasks_total", **succeeded) == before[0] + 1
    assert sample("loyalty_celery_tasks_total", **failed) == before[1] + 1
    assert sample("loyalty_celery_task_duration_seconds_count", task="core.tasks.ping") == before[2] + 1


# --- multiprocess ------------------------------------------------------------------------------------------

COUNT_ONE = ("import django; django.setup(); from monitoring.metrics import ORDERS_WRITTEN; "
             "ORDERS_WRITTEN.labels(status='completed', created='true').inc()")
EXPOSE = "import django; django.setup(); from monitoring.metrics import metrics_exposition; " \
         "print(metrics_exposition().decode())"


def test_under_gunicorn_a_scrape_adds_up_every_process(tmp_path):
    # given PROMETHEUS_MULTIPROC_DIR shared by the processes, as gunicorn's workers share it
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(code):
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60, check=True).stdout

    # when two processes each count an order and a third one answers the scrape
    run(COUNT_ONE)
    run(COUNT_ONE)
    text = run(EXPOSE)

    # then the third one reports both
    assert 'loyalty_orders_written_total{created="true",status="completed"} 2.0' in text
