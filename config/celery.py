import os

from celery import Celery, signals

# Workers and beat run production settings unless told otherwise; `make run` and the tests say so.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("loyalty_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _keep_django_logging(**kwargs):
    """Workers and beat log through settings.LOGGING (JSON lines, request ids) instead of Celery's own set-up."""
