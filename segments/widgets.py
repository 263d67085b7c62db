import json

from django import forms
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .rules.schema import builder_schema


class RuleBuilderWidget(forms.Textarea):
    """A hidden JSON textarea edited through the rule builder (segments/static/segments/rule_builder.js)."""

    class Media:
        js = ["segments/rule_builder.js"]
        css = {"all": ["segments/rule_builder.css"]}

    problems: list[dict] = []  # set by the form when the submitted rules were refused

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "hidden": "hidden"}
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        textarea = super().render(name, value, attrs, renderer)
        input_id = attrs.get("id", f"id_{name}")
        schema = json.dumps(builder_schema(), ensure_ascii=False).replace("</", "<\\/")
        problems = json.dumps(self.problems, ensure_ascii=False).replace("</", "<\\/")
        preview_url = reverse("admin:segments_segment_preview")
        return mark_safe(
            f'{textarea}<script type="application/json" id="{input_id}_schema">{schema}</script>'
            f'<script type="application/json" id="{input_id}_problems">{problems}</script>'
            f'<div data-rule-builder data-input="{input_id}" data-schema="{input_id}_schema" '
            f'data-problems="{input_id}_problems" '
            f'data-preview="{input_id}_preview" data-preview-url="{preview_url}"></div>'
            f'<p class="rb-preview" id="{input_id}_preview"><button type="button">{escape(_("Count and sample now"))}</button>'
            f'<output aria-live="polite"></output></p>'
        )
