"""The Procfile's processes and gunicorn.conf.py: every queue has a consumer, the web process is bounded."""
import gc
import re
import runpy

from django.conf import settings

from core.deploy_check import ROOT


def procfile() -> dict:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line and not line.startswith("#"))


def test_the_procfile_runs_web_workers_beat_and_a_release_step():
    processes = procfile()
    assert set(processes) == {"release", "web", "worker", "messages", "beat"}
    assert "migrate --noinput" in processes["release"] and "collectstatic --noinput" in processes["release"]
    assert "gunicorn --config gunicorn.conf.py" in processes["web"]


def test_every_queue_has_a_worker_and_messages_have_one_of_their_own():
    # given the queues each Procfile worker consumes
    consumed = {name: set(re.search(r"--queues (\S+)", line).group(1).split(","))
                for name, line in procfile().items() if " worker " in line}
    # then together they cover every queue the tasks are routed to, and `messages` shares its worker with none
    assert set().union(*consumed.values()) == {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert consumed["messages"] == {"messages"}
    assert all("messages" not in queues for name, queues in consumed.items() if name != "messages")


def test_gunicorn_takes_its_limits_from_the_environment(monkeypatch):
    # given an environment that sizes the web process
    for name, value in {"PORT": "9000", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "4", "GUNICORN_TIMEOUT": "20",
                        "GUNICORN_MAX_REQUESTS": "500", "GUNICORN_MAX_REQUESTS_JITTER": "50"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    # when gunicorn reads its configuration file
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # then the processes, threads, timeout and recycling follow it
    assert (config["bind"], config["workers"], config["threads"], config["timeout"]) == ("0.0.0.0:9000", 3, 4, 20)
    assert (config["max_requests"], config["max_requests_jitter"]) == (500, 50)
    assert config["wsgi_app"] == "config.wsgi:application"


def test_gunicorn_defaults_are_bounded(monkeypatch):
    for name in ["PORT", "GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_MAX_REQUESTS"]:
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["bind"] == "0.0.0.0:8000" and config["workers"] >= 3
    assert 0 < config["timeout"] <= 60 and config["max_requests"] > 0 and config["max_requests_jitter"] > 0


def test_a_gunicorn_worker_hides_the_loaded_application_from_the_garbage_collector():
    # given a worker process that has loaded the application (this test process has)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        # when gunicorn calls the hook after loading it
        config["post_worker_init"](worker=None)
        # then what was loaded is frozen: a full collection no longer walks it
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
