"""The journey as a diagram for the admin: boxes (nodes) laid out top to bottom by their distance from the start,
arrows (edges) labelled with the exit they take, and the number of members who passed each node and each arrow, per
variant of the splits before them. ECharts draws it (static/journeys/diagram.js, a graph series).

Reads only, a constant number of statements whatever the number of members: arrivals per node and variant
(`journeys.selectors.journey_node_variant_counts`), members per node and status, and moves along each arrow (each
visit joined to the member's next one).
"""
from collections import defaultdict, deque

from django.db import connection
from django.utils.translation import gettext as _

from .models import Journey, MemberStatus, NodeKind
from .selectors import journey_node_variant_counts

COLUMN_WIDTH, LEVEL_HEIGHT = 270, 190  # pixels on the chart between boxes side by side and between levels
BOX_WIDTH = 230
MARGIN = {"x": 130, "y": 80}  # around the outermost boxes' centres
KIND_COLOURS = {NodeKind.ACTION: "#417690", NodeKind.WAIT: "#b08d2a", NodeKind.BRANCH: "#8a4f9e",
                NodeKind.SPLIT: "#c05621", NodeKind.EXIT: "#5b6770"}


def _edges(nodes, variants_by_node) -> list[dict]:
    """Every arrow of the graph: (source, target, exit label, variant id for a split's exits)."""
    edges = []
    for node in nodes:
        if node.kind == NodeKind.SPLIT:
            for variant in variants_by_node[node.pk]:
                if variant.next_id:
                    edges.append({"source": node.pk, "target": variant.next_id, "variant": variant.pk,
                                  "label": variant.key})
            continue
        yes, no = "", ""
        if node.kind == NodeKind.BRANCH:
            yes, no = _("yes"), _("no")
        elif node.kind == NodeKind.WAIT and node.wait_event_type_id:
            yes, no = _("event"), _("timeout")
        if node.next_id:
            edges.append({"source": node.pk, "target": node.next_id, "variant": None, "label": yes})
        if node.next_no_id and no:
            edges.append({"source": node.pk, "target": node.next_no_id, "variant": None, "label": no})
    merged = {}  # both exits to the same node: one arrow, both labels (its members counted once)
    for edge in edges:
        key = (edge["source"], edge["target"], edge["variant"])
        if key in merged:
            merged[key]["label"] = f"{merged[key]['label']} / {edge['label']}"
        else:
            merged[key] = edge
    return list(merged.values())


def _layout(nodes, edges) -> dict[int, tuple[int, int]]:
    """Top to bottom, as a flow reads: the level is the shortest distance from the first node (unreachable nodes on a
    level after the last); within a level, nodes side by side in position order, centred."""
    following = defaultdict(list)
    for edge in edges:
        following[edge["source"]].append(edge["target"])
    depth = {nodes[0].pk: 0} if nodes else {}
    queue = deque(depth)
    while queue:
        current = queue.popleft()
        for target in following[current]:
            if target not in depth:
                depth[target] = depth[current] + 1
                queue.append(target)
    last = max(depth.values(), default=-1)
    levels = defaultdict(list)
    for node in nodes:  # already in position order
        levels[depth.get(node.pk, last + 1)].append(node.pk)
    return {pk: (round((index - (len(members) - 1) / 2) * COLUMN_WIDTH), level * LEVEL_HEIGHT)
            for level, members in levels.items() for index, pk in enumerate(members)}


def _status_counts(journey: Journey) -> dict[int, dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT node_id, status, COUNT(*) FROM journeys_journeymember
                           WHERE journey_id = %s AND node_id IS NOT NULL GROUP BY node_id, status""", [journey.pk])
        counts = defaultdict(dict)
        for node_id, status, n in cursor.fetchall():
            counts[node_id][status] = n
    return counts


def _moves(journey: Journey) -> dict[tuple[int, int, int | None], int]:
    """Members who went from one node to the next, per (source, target, variant at the target)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.node_id, b.node_id, b.variant_id, COUNT(*)
              FROM journeys_journeyvisit a
              JOIN journeys_journeymember j ON j.id = a.journey_member_id
              JOIN journeys_journeyvisit b ON b.journey_member_id = a.journey_member_id AND b.seq = a.seq + 1
             WHERE j.journey_id = %s
             GROUP BY a.node_id, b.node_id, b.variant_id""", [journey.pk])
        return {(source, target, variant): n for source, target, variant, n in cursor.fetchall()}


def journey_diagram(*, journey: Journey) -> dict:
    """The chart's data: nodes with their position, kind, colour and counts (reached in all and per variant, here
    now, ended and converted here), edges with their label and the members who took them, and the variants' keys."""
    nodes = list(journey.nodes.prefetch_related("variants").order_by("position", "pk"))
    variants_by_node = {node.pk: sorted(node.variants.all(), key=lambda v: v.key) for node in nodes}
    splits = [node for node in nodes if variants_by_node[node.pk]]
    # a variant is named by its key, and by its split too when there are several
    variant_keys = {v.pk: v.key if len(splits) == 1 else f"{node.name} · {v.key}"
                    for node in splits for v in variants_by_node[node.pk]}
    edges = _edges(nodes, variants_by_node)
    positions = _layout(nodes, edges)
    reached = journey_node_variant_counts(journey=journey)
    statuses = _status_counts(journey)
    moves = _moves(journey)
    chart_nodes = []
    for node in nodes:
        per_variant = {variant_keys[variant_id]: n for (node_id, variant_id), n in reached.items()
                       if node_id == node.pk and variant_id in variant_keys}
        here = statuses.get(node.pk, {})
        x, y = positions[node.pk]
        chart_nodes.append({
            "id": str(node.pk), "name": node.name, "kind": node.get_kind_display(), "x": x, "y": y,
            "colour": KIND_COLOURS.get(node.kind, "#5b6770"),
            "reached": sum(n for (node_id, _variant), n in reached.items() if node_id == node.pk),
            "per_variant": per_variant, "here": here.get(MemberStatus.ACTIVE, 0),
            "ended": here.get(MemberStatus.DONE, 0), "converted": here.get(MemberStatus.CONVERTED, 0),
        })
    chart_edges = []
    for edge in edges:
        taken = sum(n for (source, target, variant), n in moves.items()
                    if source == edge["source"] and target == edge["target"]
                    and (edge["variant"] is None or variant == edge["variant"]))
        chart_edges.append({"source": str(edge["source"]), "target": str(edge["target"]), "label": edge["label"],
                            "members": taken})
    return {"nodes": chart_nodes, "edges": chart_edges, "box": {"width": BOX_WIDTH}, "margin": MARGIN,
            "labels": {"reached": _("passed"), "here": _("here now"), "ended": _("ended here"),
                       "converted": _("converted here"), "members": _("members")}}
