"""Validate a rule tree and compile it into a Q over customers.Member."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from core.timezones import shop_today

from .registry import LEAVES, invalid

MAX_DEPTH = 8
NUMERIC_OPS = ["eq", "gt", "gte", "lt", "lte", "between"]


@dataclass
class CompileContext:
    as_of: dt.date = field(default_factory=shop_today)
    # Slugs of the segments being compiled, outermost first: a reference back to one is a cycle.
    segment_path: tuple[str, ...] = ()


def rules_validate(tree, *, segment_slug: str | None = None) -> dict:
    """Check the tree's shape and every leaf's parameters; return it with numbers normalised.

    Raises DomainError listing the first problem with its path (e.g. `children[2].value`).
    """
    if not tree:
        return {"type": "group", "op": "and", "negate": False, "children": []}
    cleaned = _validate_node(tree, "rules", 0)
    if segment_slug:
        compile_rules(cleaned, CompileContext(segment_path=(segment_slug,)))  # rejects cycles through references
    return cleaned


def _validate_node(node, path: str, depth: int) -> dict:
    if not isinstance(node, dict):
        raise invalid(path, "expected an object")
    if depth > MAX_DEPTH:
        raise invalid(path, f"groups nest at most {MAX_DEPTH} deep")
    negate = bool(node.get("negate", False))
    if node.get("type") == "group":
        if node.get("op") not in ("and", "or"):
            raise invalid(f"{path}.op", "expected and / or")
        children = node.get("children")
        if not isinstance(children, list):
            raise invalid(f"{path}.children", "expected a list")
        return {"type": "group", "op": node["op"], "negate": negate,
                "children": [_validate_node(child, f"{path}.children[{i}]", depth + 1) for i, child in enumerate(children)]}
    handler = LEAVES.get(node.get("type"))
    if handler is None:
        raise invalid(f"{path}.type", f"unknown condition {node.get('type')!r}")
    cleaned = {"type": handler.type, "negate": negate}
    for param in handler.params:
        raw = node.get(param.name)
        if raw in (None, "", []):
            if param.required:
                raise invalid(f"{path}.{param.name}", "required")
            continue
        cleaned[param.name] = _clean_param(param, raw, f"{path}.{param.name}")
    operators = handler.operator_choices(cleaned)
    if operators:
        op = node.get("op")
        if op not in operators:
            raise invalid(f"{path}.op", f"expected one of {', '.join(operators)}")
        cleaned["op"] = op
        if op != "is_set":
            numeric = op in NUMERIC_OPS and handler.value_is_numeric(cleaned)
            cleaned["value"] = _clean_value(op, node.get("value"), f"{path}.value", numeric=numeric)
    if handler.validate_extra:
        try:
            handler.validate_extra(cleaned)
        except ValueError as exc:
            raise invalid(path, str(exc)) from None
    return cleaned


def _clean_param(param, raw, path):
    choices = param.choices() if callable(param.choices) else param.choices
    if param.kind == "choice":
        if choices is not None and raw not in choices:
            raise invalid(path, f"expected one of {', '.join(map(str, choices))}")
        return raw
    if param.kind == "choices":
        values = raw if isinstance(raw, list) else [raw]
        bad = [v for v in values if choices is not None and v not in choices]
        if bad:
            raise invalid(path, f"not among the choices: {', '.join(map(str, bad))}")
        return values
    if param.kind in ("number", "days"):
        number = _number(raw, path)
        if param.kind == "days" and (number != int(number) or number < 1 or number > 3660):
            raise invalid(path, "expected whole days between 1 and 3660")
        return int(number) if param.kind == "days" else str(number)
    if param.kind == "bool":
        if not isinstance(raw, bool):
            raise invalid(path, "expected true or false")
        return raw
    return str(raw)[:200]


def _clean_value(op, raw, path, *, numeric):
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise invalid(path, "expected [from, to]")
        low, high = (_number(v, path) for v in raw) if numeric else raw
        if numeric and low > high:
            raise invalid(path, "from is greater than to")
        return [str(low), str(high)] if numeric else [low, high]
    if op == "in":
        if not isinstance(raw, list) or not raw:
            raise invalid(path, "expected a non-empty list")
        return raw
    if raw is None or raw == "":
        raise invalid(path, "required")
    return str(_number(raw, path)) if numeric else raw


def _number(raw, path) -> Decimal:
    if isinstance(raw, bool):
        raise invalid(path, "expected a number")
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise invalid(path, "expected a number") from None
    if not number.is_finite():
        raise invalid(path, "expected a number")
    return number


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
