"""What the admin builder needs to draw every condition: leaves, their parameters, choices in words, operators
and what kind of value each compares (so a known value is picked, never typed)."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .registry import LEAVES, Value, choice_pairs

OPERATOR_LABELS = {
    "eq": _("is"), "ne": _("is not"), "in": _("is one of"), "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
    "between": _("between"), "contains": _("includes any of"), "is_set": _("is filled in"),
}


def _pairs(choices) -> list[list[str]]:
    return [[value, str(label)] for value, label in choice_pairs(choices)]


def _value(spec: Value) -> dict:
    return {"kind": spec.kind, "choices": _pairs(spec.choices) if spec.kind == "choice" else None,
            "unit": str(spec.unit)}


def builder_schema() -> dict:
    """Every leaf for the builder, with strings in the active language (JSON-ready)."""
    leaves = []
    notes = {}  # a note shared by several leaves is computed once
    for handler in LEAVES.values():
        params = []
        for param in handler.params:
            search_url = reverse("admin:segments_segment_lookup", args=[param.search]) if param.search else None
            params.append({"name": param.name, "kind": param.kind, "label": str(param.label),
                           "choices": _pairs(param.choices) if param.choices is not None else None,
                           "required": param.required, "search_url": search_url, "default": param.default,
                           "unit": str(param.unit)})
        first_choice = next((p for p in params if p["kind"] == "choice" and p["choices"]), None)
        per_choice = first_choice and (callable(handler.operators) or callable(handler.value) or callable(handler.numeric))
        if per_choice:
            # Operators and the value depend on the chosen field or attribute: list them per choice.
            choice_values = [value for value, _label in first_choice["choices"]]
            operators = {v: handler.operator_choices({first_choice["name"]: v}) for v in choice_values}
            values = {v: _value(handler.value_spec({first_choice["name"]: v})) for v in choice_values}
        else:
            operators = handler.operator_choices({})
            values = _value(handler.value_spec({}))
        leaves.append({"type": handler.type, "label": str(handler.label), "group": str(handler.group),
                       "params": params, "operators": operators, "values": values,
                       "operators_by": first_choice["name"] if per_choice else None,
                       "note": str(notes.setdefault(handler.note, handler.note()) or "") if handler.note else ""})
    return {"leaves": leaves, "operator_labels": {op: str(label) for op, label in OPERATOR_LABELS.items()},
            "texts": {key: str(text) for key, text in TEXTS.items()}}


TEXTS = {
    "condition": _("Condition"), "operator": _("Comparison"), "value": _("Value"), "values": _("Values"),
    "from": pgettext_lazy("range", "from"), "to": pgettext_lazy("range", "to"), "and": _("and"), "not": _("not"), "yes": _("yes"), "no": _("no"),
    "combine": _("Combine"), "all_of": _("all of (AND)"), "any_of": _("any of (OR)"),
    "add_condition": _("+ condition"), "add_group": _("+ group"), "remove": _("Remove"),
    "remove_condition": _("Remove condition"), "remove_group": _("Remove group"), "filter": _("Filter the list"),
    "search": _("Start typing…"), "nothing_found": _("Nothing found"), "comma_separated": _("a, b, c"),
    "not_a_number": _("Enter a number, e.g. 5 000 or 4 999,50"), "check_marked": _("Check the marked conditions."),
    "for_example": _("For example:"),
}
