"""The WSGI application for gunicorn (gunicorn.conf.py, Procfile). Production settings unless told otherwise."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
