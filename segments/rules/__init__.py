"""Segment rules: a validated JSON tree of AND/OR groups and typed leaves, compiled into one queryset.

    {"type": "group", "op": "and", "negate": false, "children": [
        {"type": "member_field", "field": "gender", "op": "eq", "value": "f"},
        {"type": "stat", "field": "avg_order_value", "op": "between", "value": [4000, 6000]},
        {"type": "in_segment", "segment": "newsletter-readers", "negate": true}]}

Adding a condition means adding one handler to `leaves.py` (see `registry.leaf`).
"""
from . import event_conditions, leaves  # noqa: F401  (registers every leaf handler)
from .compiler import CompileContext, compile_rules, rules_validate
from .registry import LEAVES

__all__ = ["LEAVES", "CompileContext", "compile_rules", "rules_validate"]
