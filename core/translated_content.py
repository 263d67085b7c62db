"""Staff-written content in each of the shop's languages: tier benefits, coupon and reward names, attribute
questions and their options.

The model's own columns (`name`, `perks`, `label`…) hold the shop's main language (`LANGUAGE_CODE`, Russian);
a JSON `translations` column holds the others, by language and field: `{"en": {"name": "Gold", "perks": "…"}}`.
Attribute options keep their stored values (a member's answer, a segment rule: `cat`) and take a label per
language, the main one included: `{"ru": {"options": {"cat": "Кошка"}}, "en": {"options": {"cat": "Cat"}}}`.
`translated()` and `option_label()` read them for the active language and fall back to the main text.

Why not django-modeltranslation: it adds a column per field and language after the models are built, so the
configuration history (django-simple-history on tiers, coupon templates and rewards) would not record them
without moving the history registration out of the models; it rewrites queries on translated fields by the
active language, which set-based services, imports and segment rules must not see; and it has no place for
the labels of option values that never change. One JSON column is recorded by the history like any field.
"""
from django import forms
from django.conf import settings
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import get_language, gettext_lazy as _


def translations_field():
    return models.JSONField(
        _("translations"), default=dict, blank=True,
        help_text=_("The texts in the shop's other languages, edited on this form."),
    )


def main_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0]


def other_languages() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES if code != main_language()]


def _active_language(language: str | None) -> str:
    return (language or get_language() or main_language()).split("-")[0]


def translated(obj, field: str, language: str | None = None) -> str:
    """`obj.<field>` in the active (or given) language; the main language's text when it has no translation."""
    text = ((obj.translations or {}).get(_active_language(language)) or {}).get(field)
    return text or getattr(obj, field)


def option_label(definition, value, language: str | None = None) -> str:
    """The label of an attribute option in the active (or given) language, else the main one's, else the value."""
    stored = definition.translations or {}
    for code in (_active_language(language), main_language()):
        label = ((stored.get(code) or {}).get("options") or {}).get(str(value))
        if label:
            return label
    return str(value)


def options_text(options: dict) -> str:
    return "\n".join(f"{value} = {label}" for value, label in options.items())


def options_parse(text: str, allowed) -> dict:
    """`value = label` lines into a dict; raises ValidationError naming a value that is not an option."""
    options, allowed = {}, {str(value) for value in allowed}
    for line in text.splitlines():
        if not line.strip():
            continue
        value, separator, label = line.partition("=")
        value, label = value.strip(), label.strip()
        if not separator or not label:
            raise forms.ValidationError(_("Write each option as “value = label”: %(line)s") % {"line": line.strip()})
        if value not in allowed:
            raise forms.ValidationError(_("“%(value)s” is not one of the options.") % {"value": value})
        options[value] = label
    return options


class TranslationsForm(forms.ModelForm):
    """A model form with one field per translated field and other language ("Name (English)"), saved into
    `translations`; with `translated_options`, also one "Options" field per language (the main one too).

    Subclasses set `translated_fields` (model field names) and, for attribute definitions, `translated_options`.
    """

    translated_fields: tuple[str, ...] = ()
    translated_options = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.translations or {}
        for code, _name in other_languages():
            for field in self.translated_fields:
                self.initial.setdefault(f"{field}_{code}", (stored.get(code) or {}).get(field, ""))
        if self.translated_options:
            for code, _name in settings.LANGUAGES:
                self.initial.setdefault(f"options_{code}", options_text((stored.get(code) or {}).get("options", {})))

    def clean(self):
        cleaned = super().clean()
        translations = {}
        for code, _name in other_languages():
            texts = {field: cleaned.get(f"{field}_{code}", "").strip() for field in self.translated_fields}
            translations[code] = {field: text for field, text in texts.items() if text}
        if self.translated_options:
            allowed = cleaned.get("choices") or []
            for code, _name in settings.LANGUAGES:
                try:
                    options = options_parse(cleaned.get(f"options_{code}", ""), allowed)
                except forms.ValidationError as error:
                    self.add_error(f"options_{code}", error)
                    continue
                if options:
                    translations.setdefault(code, {})["options"] = options
        self.instance.translations = {code: texts for code, texts in translations.items() if texts}
        return cleaned


def translations_form(model, fields: tuple[str, ...], *, options: bool = False, base=TranslationsForm):
    """A TranslationsForm for `model`, with its per-language fields declared (so the admin lays them out)."""
    attrs = {"translated_fields": fields, "translated_options": options}
    for code, name in other_languages():
        for field in fields:
            model_field = model._meta.get_field(field)
            widget = forms.Textarea(attrs={"rows": 3}) if isinstance(model_field, models.TextField) else None
            attrs[f"{field}_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", capfirst(model_field.verbose_name), name), required=False,
                max_length=model_field.max_length, widget=widget)
    if options:
        for code, name in settings.LANGUAGES:
            attrs[f"options_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", _("Option labels"), name), required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("For choice attributes: one option a line, as “value = label”, e.g. “cat = Кошка”."))
    attrs["Meta"] = type("Meta", (), {"model": model, "exclude": ["translations"]})
    return type(f"{model.__name__}TranslationsForm", (base,), attrs)


def translated_fieldsets(form, fields: list[str]) -> list:
    """Admin fieldsets: the model's fields first, then one section per other language with its texts."""
    per_language = {code: [name for name in form.base_fields if name.endswith(f"_{code}")]
                    for code, _name in settings.LANGUAGES}
    translated = {name for names in per_language.values() for name in names}
    main = [name for name in fields if name not in translated]
    sections = [(None, {"fields": main})]
    for code, name in settings.LANGUAGES:
        if per_language[code]:
            sections.append((name, {"fields": per_language[code]}))
    return sections
