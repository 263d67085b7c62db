"""What the admin builder needs to draw every condition: leaves, their parameters, choices and operators."""
from .registry import LEAVES

OPERATOR_LABELS = {
    "eq": "is", "ne": "is not", "in": "is one of", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
    "between": "between", "contains": "includes any of", "is_set": "is filled in",
}


def builder_schema() -> dict:
    leaves = []
    for handler in LEAVES.values():
        params = []
        for param in handler.params:
            choices = param.choices() if callable(param.choices) else param.choices
            params.append({"name": param.name, "kind": param.kind, "label": param.label,
                           "choices": choices, "required": param.required})
        first_choice = next((p for p in params if p["kind"] == "choice" and p["choices"]), None)
        if callable(handler.operators) and first_choice:
            # Operators depend on the chosen value (an attribute's type): list them per choice.
            operators = {value: handler.operator_choices({first_choice["name"]: value}) for value in first_choice["choices"]}
        else:
            operators = handler.operator_choices({})
        leaves.append({"type": handler.type, "label": handler.label, "group": handler.group, "params": params,
                       "operators": operators, "operators_by": first_choice["name"] if isinstance(operators, dict) else None})
    return {"leaves": leaves, "operator_labels": OPERATOR_LABELS}
