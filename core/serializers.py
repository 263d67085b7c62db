"""Serializer pieces every API shares: refusing unknown keys, event times in a sane window, and model
serializers that build their fields once."""
import copy
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.timezones import shop_today
from core.translated_content import translated


def _json_types(field) -> tuple | None:
    """The JSON types the schema promises for a field's value (None: the field checks its own)."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.FloatField):
        return (int, float)
    if isinstance(field, serializers.DecimalField) and getattr(field, "coerce_to_string", None) is not False:
        return (str,)  # money and quantities as decimal strings: a JSON number may already have lost digits
    if isinstance(field, serializers.ChoiceField):
        return (str,) if all(isinstance(choice, str) for choice in field.choices) else None
    if isinstance(field, (serializers.CharField, serializers.DateTimeField, serializers.DateField)):
        return (str,)
    if isinstance(field, (serializers.DictField, serializers.Serializer)):
        return (dict,)
    if isinstance(field, (serializers.ListField, serializers.ListSerializer)):
        return (list,)
    return None


_TYPE_NAMES = {bool: _("a boolean"), int: _("an integer"), str: _("a string"), dict: _("an object"), list: _("a list")}


class StrictSerializer(serializers.Serializer):
    """A JSON body as its schema says: no unknown or read-only keys, each value of the JSON type promised.

    DRF alone ignores unknown keys and turns numbers into text and text into numbers; the schema says so
    too (`additionalProperties: false`, see core.schema.ApiAutoSchema). A serializer of query parameters,
    which are all text, sets `check_json_types = False`.
    """

    read_only_keys: tuple = ()
    check_json_types = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            bad = {}
            for key, value in data.items():
                field = self.fields.get(key)
                if key in self.read_only_keys:
                    bad[key] = [str(_("This field is read-only."))]
                elif field is None or field.read_only:
                    bad[key] = [str(_("Unknown field."))]
                elif self.check_json_types and value is not None:
                    types = _json_types(field)
                    if types and (not isinstance(value, types) or (bool not in types and isinstance(value, bool))):
                        bad[key] = [str(_("Expected %(type)s.") % {"type": _TYPE_NAMES[types[0]]})]
            if bad:
                raise serializers.ValidationError(bad)
        return super().to_internal_value(data)


class ModelFieldsOnceMixin:
    # A ModelSerializer that builds its fields from the model once per process, then copies them. DRF rebuilds a
    # ModelSerializer's fields from the model's meta on every instance (0.4 ms of the member lookup's ~4 ms); a
    # plain Serializer only deep-copies its declared ones, as this does with the built set. The fields (and the
    # schema) are the same; a serializer whose fields depend on the instance or the request must not use it.
    # (Comments, not a docstring: drf-spectacular would publish a docstring as every such component's description.)

    _built_fields = None

    def get_fields(self):
        cls = type(self)
        if cls.__dict__.get("_built_fields") is None:
            cls._built_fields = super().get_fields()  # unbound fields: safe to share between threads as a template
        return copy.deepcopy(cls._built_fields)


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


class DateFilterField(serializers.DateField):
    """A date bound of a filter, clamped into 2000-01-01 … tomorrow.

    A far date then filters like the nearest sane one (nothing happened before 2000 or after tomorrow)
    instead of overflowing when a day is added to it; the schema's `date` stays true.
    """

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        tomorrow = shop_today() + dt.timedelta(days=1)  # the shop's calendar, as the filters' day bounds are
        return min(max(day, EARLIEST_EVENT.date()), tomorrow)


class TranslatedTextField(serializers.CharField):
    """Read-only: a staff-written text (a tier's, coupon's or reward's name…) in the request's language
    (core.translated_content). `source` names the object that holds it; by default the serialized one."""

    def __init__(self, content_field: str, **kwargs):
        self.content_field = content_field
        kwargs.setdefault("source", "*")
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        obj = super().get_attribute(instance)
        return None if obj is None else translated(obj, self.content_field)
