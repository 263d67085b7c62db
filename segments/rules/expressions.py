"""ORM expressions the leaves need that Django does not ship."""
import datetime as dt

from django.db.models import Func, IntegerField, Q

from core.sql import local_hour


class LocalHour(Func):
    """The hour (0–23) of a timestamp in the time zone named by another column of the same row."""

    output_field = IntegerField()

    def __init__(self, timestamp, zone, *, zones: list[str], on: dt.date):
        super().__init__(timestamp, zone)
        self.zones, self.on = zones, on

    def as_sql(self, compiler, connection, **extra):
        timestamp, timestamp_params = compiler.compile(self.source_expressions[0])
        zone, zone_params = compiler.compile(self.source_expressions[1])
        sql, params = local_hour(timestamp, zone, self.zones, self.on)
        return sql, [*timestamp_params, *zone_params, *params]


def compare(path: str, op: str, value) -> Q:
    """A Q comparing the field at `path` with `value` by one of the builder's operators."""
    if op == "eq":
        return Q(**{path: value})
    if op == "ne":
        return ~Q(**{path: value})
    if op in ("gt", "gte", "lt", "lte", "in"):
        return Q(**{f"{path}__{op}": value})
    if op == "between":
        return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
    if op == "is_set":
        return Q(**{f"{path}__isnull": False})
    raise ValueError(f"unknown operator {op}")
