"""The shop's calendar: naive timestamps and calendar days are read in settings.SHOP_TIME_ZONE."""
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def zone_or_shop(name: str | None):
    """The named zone, or the shop's when the name is empty or unknown."""
    try:
        return ZoneInfo(name) if name else shop_zone()
    except (ZoneInfoNotFoundError, ValueError):
        return shop_zone()


class ShopTimeZoneMiddleware:
    """Staff pages (the admin and the dashboards under it) show and read times in the shop's zone, not UTC.

    Only there: the APIs keep answering in UTC, and the portal shows each member their own zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/admin/"):
            return self.get_response(request)
        with timezone.override(shop_zone()):
            return self.get_response(request)
