"""The registry of leaf handlers: each validates its parameters and turns them into a Q."""
import re
from dataclasses import dataclass, field
from typing import Callable

from django.utils.translation import gettext as _

from core.exceptions import DomainError


@dataclass(frozen=True)
class Param:
    """One parameter of a leaf, described so the admin builder can draw an input for it.

    `choices` (a list or a callable returning one) holds values or (value, label) pairs: the builder shows
    the label, the tree stores the value. Kind `search` takes values found through `search` (a lookup the
    builder queries as the marketer types: `product`, `brand`); `exists` checks the chosen values.
    """

    name: str
    kind: str  # choice, choices, number, numbers, text, bool, days, hour, search
    label: str
    choices: Callable[[], list] | list | None = None
    required: bool = True
    search: str = ""
    exists: Callable[[list], set] | None = None  # values -> the ones that exist (kind `search`)
    default: object = None  # what the builder fills in for a new condition
    unit: str = ""  # shown after the input: ₽, %, days


@dataclass(frozen=True)
class Value:
    """What the compared `value` of a leaf is: a number, a date, text, yes/no, or one of some choices."""

    kind: str  # number, date, text, bool, choice
    choices: Callable[[], list] | list | None = None
    unit: str = ""

    def choice_pairs(self) -> list[tuple]:
        return choice_pairs(self.choices)


def choice_pairs(choices) -> list[tuple]:
    """[(value, label)] from a list of values or pairs (or a callable returning one)."""
    if callable(choices):
        choices = choices()
    return [tuple(c) if isinstance(c, (list, tuple)) else (c, c) for c in (choices or [])]


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
    value: Callable[[dict], Value | None] | Value | None = None  # what `value` is; default from `numeric`
    note: Callable[[], str] | None = None  # a hint the builder shows under the condition (e.g. data it cannot read)

    def value_is_numeric(self, params: dict) -> bool:
        return self.value_spec(params).kind == "number"

    def value_spec(self, params: dict) -> Value:
        spec = self.value(params) if callable(self.value) else self.value
        if spec is not None:
            return spec
        numeric = self.numeric(params) if callable(self.numeric) else self.numeric
        return Value("number" if numeric else "text")

    def operator_choices(self, params: dict) -> list[str]:
        if callable(self.operators):
            return self.operators(params)
        return self.operators or []


LEAVES: dict[str, Leaf] = {}


def leaf(type_: str, label: str, params: list[Param], *, operators=None, validate_extra=None, group="Member",
         numeric=False, value=None, note=None):
    """Register the decorated function `(params, context) -> Q` as the handler of leaf `type_`.

    `label` and `group` are shown to staff (pass gettext_lazy strings); `value` describes the compared value
    (a Value, or a callable of the other parameters returning one) so the builder draws a picker for it.
    """

    def register(to_q):
        LEAVES[type_] = Leaf(type_, label, params, to_q, operators, validate_extra, group, numeric,
                             to_q.__doc__ or "", value, note)
        return to_q

    return register


class RulesInvalid(DomainError):
    """The rules were refused; `problems` lists each as (path, message), the path naming the condition and its
    parameter (`rules.children[2].value`) so the builder shows the message beside that condition only."""

    code = "invalid_rules"

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = [(path, str(message)) for path, message in problems]
        super().__init__("Invalid segment rules.", fields={"rules": [f"{p}: {m}" for p, m in self.problems]})

    def as_json(self) -> list[dict]:
        return [{"path": path, "message": message} for path, message in self.problems]

    def messages(self) -> list[str]:
        """Each problem as staff read it: `Condition 2.1: enter a number, e.g. 5 000 or 4 999,50`."""
        return [f"{problem_place(path)}: {message}" for path, message in self.problems]


def problem_place(path: str) -> str:
    """Where in the tree a path points, as the builder numbers it: `rules.children[1].children[0].value` is
    condition 2.1; the root group's own fields are "the rules"."""
    numbers = [int(n) + 1 for n in re.findall(r"children\[(\d+)\]", path)]
    if not numbers:
        return str(_("The rules"))
    return str(_("Condition %(number)s") % {"number": ".".join(map(str, numbers))})


def invalid(path: str, message: str) -> RulesInvalid:
    return RulesInvalid([(path, message)])
