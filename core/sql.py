"""Vendor-specific SQL fragments for the set-based passes (PostgreSQL in production, SQLite for `make run`).

SQLite keeps timestamps as UTC text and knows no time zones; it shifts by the zone's UTC offset on a
given day instead, which is exact for zones without daylight saving time (every Russian zone since 2014).
"""
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def tune_for_bulk_pass(cursor) -> None:
    """For the rest of the transaction on PostgreSQL: no JIT, and room to sort and hash in memory.

    The passes over every member are planned as costly enough to compile, but compiling them took up to
    seconds and won nothing back; and their sorts and hash joins of a million rows spilled to disk at
    the default work_mem. Nothing on SQLite.
    """
    if cursor.db.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")


def distinct_from() -> str:
    """The null-safe "differs from" operator: NULL vs NULL is equal, NULL vs a value differs."""
    return "IS DISTINCT FROM" if is_postgres() else "IS NOT"


def _offset_modifier(zone: str, on: dt.date) -> str:
    offset = ZoneInfo(zone).utcoffset(dt.datetime.combine(on, dt.time(12)))
    return f"{int(offset.total_seconds()):+d} seconds"


def shop_date(column: str, on: dt.date) -> tuple[str, list]:
    """SQL for the shop-calendar date of a timestamp column (`on` picks SQLite's offset)."""
    if is_postgres():
        return f"({column} AT TIME ZONE %s)::date", [settings.SHOP_TIME_ZONE]
    return f"date({column}, %s)", [_offset_modifier(settings.SHOP_TIME_ZONE, on)]


def days_between(later_date_sql: str, earlier_date_sql: str) -> str:
    """Whole days from one SQL date expression to another."""
    if is_postgres():
        return f"({later_date_sql} - {earlier_date_sql})"
    return f"CAST(julianday({later_date_sql}) - julianday({earlier_date_sql}) AS INTEGER)"


def date_param(day: dt.date) -> tuple[str, list]:
    return ("%s::date" if is_postgres() else "date(%s)"), [day if is_postgres() else day.isoformat()]


def local_hour(column: str, zone_column: str, zones: list[str], on: dt.date) -> tuple[str, list]:
    """SQL for the hour (0–23) of a timestamp in each row's own time zone, named by `zone_column`."""
    if is_postgres():
        return f"EXTRACT(HOUR FROM {column} AT TIME ZONE {zone_column})::int", []
    if not zones:
        return f"CAST(strftime('%%H', {column}) AS INTEGER)", []
    cases = " ".join(f"WHEN %s THEN strftime('%%H', {column}, %s)" for _ in zones)
    params = [value for zone in zones for value in (zone, _offset_modifier(zone, on))]
    return f"CAST(CASE {zone_column} {cases} ELSE strftime('%%H', {column}) END AS INTEGER)", params


def timestamp_param(value: dt.datetime):
    """A timestamp as the raw cursor of each vendor compares it with stored values."""
    if is_postgres():
        return value
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def moment_param(value: dt.datetime):
    """A timestamp parameter compared with stored times to the microsecond (SQLite keeps microseconds in its
    text, so the parameter must too, or a row of this very second would sort after it)."""
    if is_postgres():
        return value
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def seconds_after(column: str, seconds: int) -> str:
    """SQL for a timestamp column plus whole seconds, kept to the microsecond on SQLite."""
    if is_postgres():
        return f"({column} + make_interval(secs => {int(seconds)}))"
    return f"(strftime('%%Y-%%m-%%d %%H:%%M:%%f', {column}, '+{int(seconds)} seconds'))"
