"""Portal forms: input shape only; every rule lives in portal.services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.translated_content import option_label, translated
from customers.models import Channel, Gender


class SignInForm(forms.Form):
    login = forms.CharField(label=_("Email or phone"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}))
    password = forms.CharField(label=_("Password"), max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeRequestForm(forms.Form):
    login = forms.CharField(label=_("Email or phone"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "username"}))


class CodeVerifyForm(forms.Form):
    login = forms.CharField(widget=forms.HiddenInput, max_length=254)
    code = forms.RegexField(label=_("Code from the message"), regex=r"^\d{6}$", max_length=6,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class SignUpForm(forms.Form):
    login = forms.CharField(label=_("Email or phone"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    password = forms.CharField(label=_("Password"), max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    personal_data_consent = forms.BooleanField(label=_("I agree to the processing of my personal data"))
    email_consent = forms.BooleanField(label=_("Send me offers by email"), required=False)
    sms_consent = forms.BooleanField(label=_("Send me offers by SMS"), required=False)


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    gender = forms.ChoiceField(label=_("Gender"), required=False,
                               choices=[("", _("Not specified")), (Gender.FEMALE, _("Female")), (Gender.MALE, _("Male"))])
    # An <input type="date"> reads and sends only ISO dates, whatever the page's language: a localised value
    # ("23.07.1978") shows as empty and the next save would erase the birth date.
    birth_date = forms.DateField(label=_("Birth date"), required=False, input_formats=["%Y-%m-%d"],
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    preferred_channel = forms.ChoiceField(label=_("Preferred channel"), required=False,
                                          choices=[("", _("No preference")), (Channel.EMAIL, _("Email")),
                                                   (Channel.SMS, _("SMS")), (Channel.PUSH, _("Push"))])


class ConsentsForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # a checkbox's label reads as a sentence, not a field name
        super().__init__(*args, **kwargs)

    email = forms.BooleanField(label=_("Offers by email"), required=False)
    sms = forms.BooleanField(label=_("Offers by SMS"), required=False)
    push = forms.BooleanField(label=_("Offers by push notifications"), required=False)


def survey_form_class(definitions):
    """A form with one field per member-editable attribute definition (built from data, not code)."""
    fields = {}
    for definition in definitions:
        label = translated(definition, "label")
        options = [(value, option_label(definition, value)) for value in definition.choices]
        if definition.type == "bool":
            field = forms.ChoiceField(label=label, required=False,
                                      choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))])
        elif definition.type == "choice" and definition.multiple:
            field = forms.MultipleChoiceField(label=label, required=False, widget=forms.CheckboxSelectMultiple,
                                              choices=options)
        elif definition.type == "choice":
            field = forms.ChoiceField(label=label, required=False,
                                      choices=[("", "—")] + options)
        elif definition.type == "date":
            field = forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
        else:
            field = forms.CharField(label=label, required=False, max_length=500)
        field.help_text = translated(definition, "description")
        fields[definition.key] = field
    return type("SurveyForm", (forms.Form,), fields)


RATING_CHOICES = [("", "—")] + [(str(n), "★" * n) for n in range(1, 6)]


class ReviewForm(forms.Form):
    """One optional rating and comment per product of the order, and one for the whole order."""

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for key, label in [("order", _("The whole order"))] + [(str(p.pk), p.name) for p in self.products]:
            self.fields[f"rating_{key}"] = forms.TypedChoiceField(label=label, choices=RATING_CHOICES, coerce=int,
                                                                  empty_value=None, required=False,
                                                                  help_text=_("Rate from 1 to 5"))
            self.fields[f"text_{key}"] = forms.CharField(label=_("Your review"), required=False, max_length=5000,
                                                         widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in self.fields if name.startswith("rating_")):
            raise forms.ValidationError(_("Give at least one rating."))
        return data

    def items(self) -> list[dict]:
        """The answers in review_submit's shape: only the rated ones."""
        data, items = self.cleaned_data, []
        for key in ["order"] + [str(p.pk) for p in self.products]:
            if data.get(f"rating_{key}"):
                items.append({"product_id": None if key == "order" else int(key),
                              "rating": data[f"rating_{key}"], "text": data.get(f"text_{key}", "")})
        return items
