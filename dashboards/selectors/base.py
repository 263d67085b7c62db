import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date  # inclusive

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass
class ChartData:
    """A chart's figures as a table: what the CSV holds and what the page draws."""

    columns: list[str]
    rows: list[list] = field(default_factory=list)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months(date_range: DateRange) -> list[dt.date]:
    result, month = [], month_start(date_range.start)
    while month <= date_range.end:
        result.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return result


def as_date(value) -> dt.date:
    """TruncMonth/TruncDate give datetimes on some back ends and dates on others."""
    return value.date() if isinstance(value, dt.datetime) else value


def shop_day_counts_sql(table: str, column: str, on: dt.date) -> tuple[str, list]:
    """SQL for the shop day of `table.column`, for the raw grouped queries of the stage and cohort charts."""
    from core.sql import shop_date

    return shop_date(f"{table}.{column}", on)


def month_of(day_sql: str) -> str:
    """SQL for the first day of the month of a date expression."""
    from core.sql import is_postgres

    return f"CAST(date_trunc('month', {day_sql}) AS date)" if is_postgres() else f"date({day_sql}, 'start of month')"


def to_date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else as_date(value)
