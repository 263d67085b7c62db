"""Serializer pieces every API shares: refusing unknown keys, and event times in a sane window."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Refuses unknown keys and read-only keys instead of silently ignoring them.

    The schema says so too (`additionalProperties: false`, see core.schema.ApiAutoSchema).
    """

    read_only_keys: tuple = ()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            bad = {}
            for key in data:
                if key in self.read_only_keys:
                    bad[key] = [str(_("This field is read-only."))]
                elif key not in self.fields or self.fields[key].read_only:
                    bad[key] = [str(_("Unknown field."))]
            if bad:
                raise serializers.ValidationError(bad)
        return super().to_internal_value(data)


EARLIEST_EVENT = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


class RecentDateTimeField(serializers.DateTimeField):
    """When something happened: not before 2000-01-01, at most a day after the server's clock.

    Years like 0001 or 9999 would otherwise earn points, or overflow when moved between time zones.
    """

    default_error_messages = {
        "out_of_window": _("Must be between 2000-01-01 and one day after the current time."),
    }
    latest_ahead = dt.timedelta(days=1)

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("out_of_window")
        aware = moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.timezone.utc)
        if not EARLIEST_EVENT <= aware <= timezone.now() + self.latest_ahead:
            self.fail("out_of_window")
        return moment
