"""gunicorn settings for the web process (Procfile `web`); every value from the environment (.env.example).

gunicorn reads this file by default when started from the project directory.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or 8000}"
# Processes for CPU (the API's order path is CPU-bound in Python); threads so that a slow client or a wait on
# the database does not hold a whole process.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"
# A request running longer than this is killed (the API answers in milliseconds; imports run in Celery).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each process is replaced after this many requests (the jitter keeps them from restarting together), so a
# slow leak in any library cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"


def post_worker_init(worker):
    """The loaded application's ~170,000 objects (settings, models, URL patterns, translations) leave the garbage
    collector's view: a full collection walked them all, 87-101 ms of CPU with every thread of the process
    stalled (BENCHMARKS.md, issue #18), and now walks only what requests left behind."""
    import gc

    gc.freeze()


def child_exit(server, worker):
    """A dead worker's Prometheus files stop counting as live (with PROMETHEUS_MULTIPROC_DIR; README Observability)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
