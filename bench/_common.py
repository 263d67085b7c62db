"""Shared by the benchmark scripts: Django set-up against DATABASE_URL, timing, and the floor query."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()


def timed(action):
    """(seconds, result) of calling `action`."""
    started = time.monotonic()
    value = action()
    return time.monotonic() - started, value


def first_value(sql: str):
    """The first column of the first row of `sql`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def floor_pass(sql: str):
    """(seconds, result) of one bare aggregate pass, run once to warm the cache and then measured."""
    first_value(sql)
    return timed(lambda: first_value(sql))
