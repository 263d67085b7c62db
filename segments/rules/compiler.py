"""Validate a rule tree and compile it into a Q over customers.Member."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from core.numbers import number_parse
from core.timezones import shop_today

from .registry import LEAVES, RulesInvalid, Value, choice_pairs

MAX_DEPTH = 8
NUMERIC_OPS = ["eq", "gt", "gte", "lt", "lte", "between"]


@dataclass
class CompileContext:
    as_of: dt.date = field(default_factory=shop_today)
    # Slugs of the segments being compiled, outermost first: a reference back to one is a cycle.
    segment_path: tuple[str, ...] = ()


def rules_validate(tree, *, segment_slug: str | None = None) -> dict:
    """Check the tree's shape and every leaf's parameters; return it with numbers normalised.

    Numbers may be typed as people write them (`5 000`, `4 999,50`, `5 000 ₽`) and are stored as plain
    decimals; a value with known choices must be one of them. Raises RulesInvalid listing every problem
    with its path (e.g. `rules.children[2].value`) and a message for staff.
    """
    if not tree:
        return {"type": "group", "op": "and", "negate": False, "children": []}
    problems: list[tuple[str, str]] = []
    cleaned = _validate_node(tree, "rules", 0, problems)
    if problems:
        raise RulesInvalid(problems)
    if segment_slug:
        compile_rules(cleaned, CompileContext(segment_path=(segment_slug,)))  # rejects cycles through references
    return cleaned


def _validate_node(node, path: str, depth: int, problems: list) -> dict | None:
    if not isinstance(node, dict):
        problems.append((path, _("not a condition")))
        return None
    if depth > MAX_DEPTH:
        problems.append((path, _("groups nest at most %(depth)s deep") % {"depth": MAX_DEPTH}))
        return None
    negate = bool(node.get("negate", False))
    if node.get("type") == "group":
        if node.get("op") not in ("and", "or"):
            problems.append((f"{path}.op", _("choose all of (AND) or any of (OR)")))
        children = node.get("children")
        if not isinstance(children, list):
            problems.append((f"{path}.children", _("expected a list of conditions")))
            return None
        return {"type": "group", "op": node.get("op"), "negate": negate,
                "children": [_validate_node(child, f"{path}.children[{i}]", depth + 1, problems)
                             for i, child in enumerate(children)]}
    handler = LEAVES.get(node.get("type"))
    if handler is None:
        problems.append((f"{path}.type", _("unknown condition %(type)s") % {"type": repr(node.get("type"))}))
        return None
    cleaned = {"type": handler.type, "negate": negate}
    for param in handler.params:
        raw = node.get(param.name)
        if raw in (None, "", []):
            if param.required:
                problems.append((f"{path}.{param.name}", _("required")))
            continue
        try:
            cleaned[param.name] = _clean_param(param, raw)
        except ValueError as error:
            problems.append((f"{path}.{param.name}", str(error)))
    if any(problem[0].startswith(f"{path}.") for problem in problems):
        return cleaned  # the operator and value depend on the parameters: check them once those are right
    operators = handler.operator_choices(cleaned)
    if operators:
        op = node.get("op")
        if op not in operators:
            problems.append((f"{path}.op", _("choose a comparison")))
            return cleaned
        cleaned["op"] = op
        if op != "is_set":
            try:
                cleaned["value"] = _clean_value(op, node.get("value"), handler.value_spec(cleaned))
            except ValueError as error:
                problems.append((f"{path}.value", str(error)))
                return cleaned
    if handler.validate_extra:
        try:
            handler.validate_extra(cleaned)
        except ValueError as exc:
            problems.append((path, str(exc)))
    return cleaned


def _not_a_choice(bad) -> ValueError:
    return ValueError(_("not among the offered values: %(values)s") % {"values": ", ".join(map(str, bad))})


def _clean_param(param, raw):
    if param.kind == "choice":
        choices = param.choices() if callable(param.choices) else param.choices
        if choices is not None and raw not in {value for value, _label in choice_pairs(choices)}:
            raise _not_a_choice([raw])
        return raw
    if param.kind in ("choices", "search"):
        values = raw if isinstance(raw, list) else [raw]
        if param.kind == "search":
            values = [str(v)[:200] for v in values]
            known = param.exists(values) if param.exists else set(values)
        else:
            choices = param.choices() if callable(param.choices) else param.choices
            known = {value for value, _label in choice_pairs(choices)} if choices is not None else set(values)
        bad = [v for v in values if v not in known]
        if bad:
            raise _not_a_choice(bad)
        return values
    if param.kind in ("number", "days", "hour"):
        number = _number(raw)
        if param.kind == "days" and (number != int(number) or number < 1 or number > 3660):
            raise ValueError(_("enter whole days from 1 to 3660"))
        if param.kind == "hour" and (number != int(number) or number < 0 or number > 23):
            raise ValueError(_("enter an hour from 0 to 23"))
        return int(number) if param.kind in ("days", "hour") else str(number)
    if param.kind == "bool":
        if raw in ("true", "false"):  # trees saved before the switch
            return raw == "true"
        if not isinstance(raw, bool):
            raise ValueError(_("expected yes or no"))
        return raw
    return str(raw)[:200]


def _clean_value(op, raw, spec: Value):
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2 or any(v in (None, "") for v in raw):
            raise ValueError(_("fill in both “from” and “to”"))
        low, high = (_one_value(v, spec) for v in raw)
        if spec.kind in ("number", "date") and low > high:
            raise ValueError(_("“from” is greater than “to”"))
        return [str(low), str(high)] if spec.kind == "number" else [low, high]
    if op in ("in", "contains"):
        values = raw if isinstance(raw, list) else [raw]
        values = [v for v in values if v not in (None, "")]
        if not values:
            raise ValueError(_("choose at least one value"))
        cleaned = [_one_value(v, spec) for v in values]
        return [str(v) for v in cleaned] if spec.kind == "number" else cleaned
    if raw is None or raw == "" or raw == []:
        raise ValueError(_("required"))
    value = _one_value(raw, spec)
    return str(value) if spec.kind == "number" else value


def _one_value(raw, spec: Value):
    if spec.kind == "number":
        return _number(raw)
    if spec.kind == "bool":
        if raw in ("true", "false"):  # trees saved before the switch
            return raw == "true"
        if not isinstance(raw, bool):
            raise ValueError(_("expected yes or no"))
        return raw
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise ValueError(_("enter a date")) from None
    if spec.kind == "choice":
        if raw not in {value for value, _label in spec.choice_pairs()}:
            raise _not_a_choice([raw])
        return raw
    if isinstance(raw, (dict, list)):
        raise ValueError(_("expected text"))
    return str(raw)[:200]


def _number(raw) -> Decimal:
    try:
        return number_parse(raw)
    except ValueError:
        raise ValueError(_("enter a number, e.g. 5 000 or 4 999,50")) from None


def compile_rules(tree: dict, context: CompileContext | None = None) -> Q:
    """The Q selecting members that satisfy a validated tree. An empty group matches everyone."""
    context = context or CompileContext()
    if not tree:  # a segment whose rules were never set: like an empty group
        return Q()
    if tree.get("type") == "group":
        parts = [compile_rules(child, context) for child in tree.get("children", [])]
        if not parts:
            q = Q()
        else:
            q = parts[0]
            for part in parts[1:]:
                q = (q & part) if tree["op"] == "and" else (q | part)
    else:
        q = LEAVES[tree["type"]].to_q(tree, context)
    return ~q if tree.get("negate") and q else q
