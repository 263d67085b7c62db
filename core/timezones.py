"""The shop's calendar: naive timestamps and calendar days are read in settings.SHOP_TIME_ZONE."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def shop_zone():
    return ZoneInfo(settings.SHOP_TIME_ZONE)


def shop_today():
    return timezone.now().astimezone(shop_zone()).date()


def as_shop_aware(value: dt.datetime) -> dt.datetime:
    """Attach the shop's zone to a naive datetime; leave an aware one as it is."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=shop_zone())
    return value


def shop_day_start(day: dt.date) -> dt.datetime:
    """The first instant of `day` in the shop's zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=shop_zone())
