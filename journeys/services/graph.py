"""The checks a journey's graph must pass before it can run: no dangling edges, each node complete for its kind,
and no cycle a member could go round without a wait (the engine would move them round it in one advance)."""
from django.utils.translation import gettext as _

from ..models import Condition, JourneyNode, NodeKind


def graph_problems(nodes: list[JourneyNode], variants: dict[int, list] | None = None) -> list[str]:
    """What is wrong with the graph of `nodes` (saved or just edited, with their ids); `variants` maps a split
    node's id to its variants (default: as stored). An empty list: the graph can run."""
    if variants is None:
        variants = {}
        for node in nodes:
            if node.pk and node.kind == NodeKind.SPLIT:
                variants[node.pk] = list(node.variants.all())
    ids = {node.pk for node in nodes if node.pk}
    problems: list[str] = []
    steps_seen: dict[int, str] = {}

    def edge(node, target_id, label):
        if target_id is not None and target_id not in ids:
            problems.append(_("“%(node)s”: %(edge)s leads to a node of another journey or one that no longer "
                              "exists.") % {"node": node.name, "edge": label})

    for node in nodes:
        edge(node, node.next_id, _("the next node"))
        edge(node, node.next_no_id, _("the “no / timeout” exit"))
        if node.kind == NodeKind.ACTION:
            if not node.step_id:
                problems.append(_("“%(node)s”: pick the campaign step to run.") % {"node": node.name})
            elif node.step_id in steps_seen:
                problems.append(_("“%(node)s” and “%(other)s” run the same step: a step is sent once per entry, "
                                  "so the second would send nothing.") % {"node": node.name,
                                                                         "other": steps_seen[node.step_id]})
            else:
                steps_seen[node.step_id] = node.name
        if node.kind == NodeKind.WAIT and not node.wait_seconds:
            problems.append(_("“%(node)s”: a wait needs a duration (with an event: its timeout).") % {
                "node": node.name})
        if node.kind == NodeKind.BRANCH:
            if not node.condition:
                problems.append(_("“%(node)s”: pick the branch's condition.") % {"node": node.name})
            if node.condition == Condition.IN_SEGMENT and not node.condition_segment_id:
                problems.append(_("“%(node)s”: pick the segment.") % {"node": node.name})
            if node.condition == Condition.DID_EVENT and not node.condition_event_type_id:
                problems.append(_("“%(node)s”: pick the event.") % {"node": node.name})
            edge(node, node.condition_node_id, _("the message it checks"))
        if node.kind == NodeKind.SPLIT:
            arms = variants.get(node.pk, [])
            if not arms:
                problems.append(_("“%(node)s”: a split needs variants.") % {"node": node.name})
            elif not sum(arm.weight for arm in arms):
                problems.append(_("“%(node)s”: the variants' shares add up to zero.") % {"node": node.name})
            for arm in arms:
                edge(node, arm.next_id, _("variant %(key)s") % {"key": arm.key})
    problems += _instant_cycles(nodes, variants)
    return problems


def _exits(node: JourneyNode, variants: dict[int, list]) -> list[int]:
    targets = [node.next_id, node.next_no_id] + [arm.next_id for arm in variants.get(node.pk, [])]
    return [target for target in targets if target is not None]


def _instant_cycles(nodes: list[JourneyNode], variants: dict[int, list]) -> list[str]:
    """Cycles through nodes that are not waits (a wait breaks a cycle: members go round it once per wait)."""
    instant = {node.pk: node for node in nodes if node.pk and node.kind != NodeKind.WAIT}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    found: list[str] = []

    def visit(pk: int, path: list[str]) -> None:
        state[pk] = 1
        for target in _exits(instant[pk], variants):
            if target not in instant:
                continue
            if state.get(target) == 1:
                found.append(_("A cycle without a wait: %(path)s.") % {
                    "path": " → ".join([*path, instant[pk].name, instant[target].name])})
            elif target not in state:
                visit(target, [*path, instant[pk].name])
        state[pk] = 2

    for pk in instant:
        if pk not in state:
            visit(pk, [])
    return found
