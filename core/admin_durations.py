"""Durations in the admin as a marketer types them: a number and a unit (minutes, hours, days), stored in seconds.

A wait of «4 часа» was a field asking for 14400. `DurationInSecondsField` shows a stored value in the largest unit
that divides it (86400 → 1 day, 5400 → 90 minutes) and stores amount × unit; `DurationFieldsAdminMixin` puts it on
the model's seconds fields an admin class names in `duration_fields`.
"""
from django import forms
from django.utils.translation import pgettext_lazy

UNITS = [(86400, pgettext_lazy("duration unit", "days")), (3600, pgettext_lazy("duration unit", "hours")),
         (60, pgettext_lazy("duration unit", "minutes")), (1, pgettext_lazy("duration unit", "seconds"))]


class DurationWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        widgets = [forms.NumberInput(attrs={"min": 0, "step": 1, "class": "vDurationAmount", "style": "width: 6em"}),
                   forms.Select(choices=UNITS)]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if value in (None, ""):
            return [None, 3600]
        seconds = int(value)
        if seconds == 0:
            return [0, 3600]
        return next([seconds // size, size] for size, _label in UNITS if seconds % size == 0)


class DurationInSecondsField(forms.MultiValueField):
    widget = DurationWidget

    def __init__(self, **kwargs):
        fields = (forms.IntegerField(min_value=0, max_value=10_000_000, required=False),
                  forms.TypedChoiceField(choices=UNITS, coerce=int))
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            return 0
        return int(data_list[0]) * int(data_list[1] or 1)


class DurationFieldsAdminMixin:
    """Admin classes (model admins and inlines) list their seconds fields in `duration_fields`, each with the label
    and help text staff read (the model's say "(seconds)")."""

    duration_fields: dict = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.duration_fields:
            label, help_text = self.duration_fields[db_field.name]
            return DurationInSecondsField(label=label, help_text=help_text, required=False,
                                          initial=db_field.get_default())
        return super().formfield_for_dbfield(db_field, request, **kwargs)
