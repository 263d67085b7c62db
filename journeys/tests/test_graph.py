"""The graph checks: dangling edges, incomplete nodes, a step run twice, and cycles without a wait."""
import pytest

from ..models import NodeKind
from ..services.graph import graph_problems
from .factories import action, journey_create, node, variant, wire

pytestmark = pytest.mark.django_db


def test_a_complete_graph_has_no_problems():
    journey = journey_create()
    first = action(journey, 0, "Первое")
    wait = node(journey, 1, NodeKind.WAIT, wait_seconds=3600)
    split = node(journey, 2, NodeKind.SPLIT)
    variant(split, "A", action(journey, 3, "A")), variant(split, "B", None)
    wire(first, wait), wire(wait, first)  # a cycle through a wait is allowed: one round per wait
    wire(wait, split)
    assert graph_problems(list(journey.nodes.all())) == []


def test_a_cycle_without_a_wait_is_refused():
    journey = journey_create()
    branch = node(journey, 0, NodeKind.BRANCH, condition="purchased", name="Купил?")
    first = action(journey, 1, "Первое", name="Письмо")
    wire(branch, None, first), wire(first, branch)
    problems = graph_problems(list(journey.nodes.all()))
    assert problems == ["Цикл без ожидания: Купил? → Письмо → Купил?."]


def test_dangling_edges_and_incomplete_nodes_are_named():
    # given an edge into another journey, a wait of no time, a split without variants and a step used twice
    journey, other = journey_create(), journey_create()
    stranger = action(other, 0, "Чужой")
    first = action(journey, 0, "Первое", name="Письмо")
    node(journey, 1, NodeKind.WAIT, name="Пауза")
    node(journey, 2, NodeKind.SPLIT, name="Сплит")
    node(journey, 3, NodeKind.ACTION, step=first.step, name="Повтор")
    wire(first, stranger)
    problems = graph_problems(list(journey.nodes.all()))
    assert len(problems) == 4
    assert any("Письмо" in p and "другого сценария" in p for p in problems)
    assert any("Пауза" in p for p in problems) and any("Сплит" in p for p in problems)
    assert any("Повтор" in p and "один и тот же шаг" in p for p in problems)
