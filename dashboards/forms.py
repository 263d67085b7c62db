import datetime as dt

from django import forms
from django.utils.translation import gettext as _, gettext_lazy

from core.timezones import shop_today

from .selectors import DateRange

DEFAULT_DAYS = 365
MAX_DAYS = 3660


class DateRangeForm(forms.Form):
    start = forms.DateField(required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("end") or shop_today()
        start = cleaned.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("start", _("The range must start on or before its end."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", _("The range may span at most %(days)s days.") % {"days": MAX_DAYS})
        cleaned["range"] = DateRange(start, end)
        return cleaned


def date_range_from(query) -> tuple[DateRangeForm, DateRange]:
    """The form bound to the query string, and its range (the last year when the input is missing or wrong)."""
    form = DateRangeForm(query or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["range"]
    end = shop_today()
    return form, DateRange(end - dt.timedelta(days=DEFAULT_DAYS - 1), end)
