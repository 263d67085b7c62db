"""The registry of leaf handlers: each validates its parameters and turns them into a Q."""
from dataclasses import dataclass, field
from typing import Callable

from core.exceptions import DomainError


@dataclass(frozen=True)
class Param:
    """One parameter of a leaf, described so the admin builder can draw an input for it."""

    name: str
    kind: str  # choice, choices, number, numbers, text, bool, days
    label: str
    choices: Callable[[], list] | list | None = None
    required: bool = True


@dataclass(frozen=True)
class Leaf:
    type: str
    label: str
    params: list[Param]
    to_q: Callable  # (params: dict, context) -> Q
    operators: Callable[[dict], list[str]] | list[str] | None = None
    validate_extra: Callable[[dict], None] | None = None
    group: str = "Member"
    numeric: Callable[[dict], bool] | bool = False  # whether `value` is a number (or [from, to])
    doc: str = field(default="")

    def value_is_numeric(self, params: dict) -> bool:
        return self.numeric(params) if callable(self.numeric) else self.numeric

    def operator_choices(self, params: dict) -> list[str]:
        if callable(self.operators):
            return self.operators(params)
        return self.operators or []


LEAVES: dict[str, Leaf] = {}


def leaf(type_: str, label: str, params: list[Param], *, operators=None, validate_extra=None, group="Member",
         numeric=False):
    """Register the decorated function `(params, context) -> Q` as the handler of leaf `type_`."""

    def register(to_q):
        LEAVES[type_] = Leaf(type_, label, params, to_q, operators, validate_extra, group, numeric, to_q.__doc__ or "")
        return to_q

    return register


def invalid(path: str, message: str):
    return DomainError("Invalid segment rules.", code="invalid_rules", fields={"rules": [f"{path}: {message}"]})
