import json

from django import forms
from django.urls import reverse
from django.utils.safestring import mark_safe

from .rules.schema import builder_schema


class RuleBuilderWidget(forms.Textarea):
    """A hidden JSON textarea edited through the rule builder (segments/static/segments/rule_builder.js)."""

    class Media:
        js = ["segments/rule_builder.js"]
        css = {"all": ["segments/rule_builder.css"]}

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "hidden": "hidden"}
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        textarea = super().render(name, value, attrs, renderer)
        input_id = attrs.get("id", f"id_{name}")
        schema = json.dumps(builder_schema(), ensure_ascii=False).replace("</", "<\\/")
        preview_url = reverse("admin:segments_segment_preview")
        return mark_safe(
            f'{textarea}<script type="application/json" id="{input_id}_schema">{schema}</script>'
            f'<div data-rule-builder data-input="{input_id}" data-schema="{input_id}_schema" '
            f'data-preview="{input_id}_preview" data-preview-url="{preview_url}"></div>'
            f'<p class="rb-preview" id="{input_id}_preview"><button type="button">Count and sample now</button>'
            f'<output aria-live="polite"></output></p>'
        )
