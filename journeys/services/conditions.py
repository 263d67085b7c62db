"""Branch conditions as SQL over the journey member row `j` (journeys_journeymember), one handler per kind.

Each handler returns a boolean SQL expression with its integers inlined (no parameters), so the engine can use it
in an UPDATE's WHERE as is and negate it for the "no" exit. Adding a condition means adding one handler here.
"""
from collections.abc import Callable

from ..models import Condition, JourneyNode


def _engaged(kinds: str) -> Callable[[JourneyNode], str]:
    def condition(node: JourneyNode) -> str:
        step = ""
        if node.condition_node_id and node.condition_node and node.condition_node.step_id:
            step = f"AND o.campaign_step_id = {int(node.condition_node.step_id)}"
        # our own sends are found by their outbox id (customers.EngagementEvent.message_ref = 'outbox-<id>')
        return f"""EXISTS (SELECT 1 FROM campaigns_outboxmessage o
                             JOIN customers_engagementevent ev ON ev.member_id = o.member_id
                                                             AND ev.message_ref = 'outbox-' || CAST(o.id AS TEXT)
                            WHERE o.entry_id = j.entry_id AND ev.kind IN ({kinds}) {step})"""
    return condition


def _purchased(node: JourneyNode) -> str:
    return """EXISTS (SELECT 1 FROM loyalty_order o
                       WHERE o.member_id = j.member_id AND o.status = 'completed' AND o.created_at > j.entered_at)"""


def _in_segment(node: JourneyNode) -> str:
    return f"""EXISTS (SELECT 1 FROM segments_segmentmembership sm
                        WHERE sm.member_id = j.member_id AND sm.segment_id = {int(node.condition_segment_id)})"""


def _did_event(node: JourneyNode) -> str:
    return f"""EXISTS (SELECT 1 FROM events_event ev
                        WHERE ev.member_id = j.member_id AND ev.type_id = {int(node.condition_event_type_id)}
                          AND ev.occurred_at >= j.entered_at)"""


CONDITIONS: dict[str, Callable[[JourneyNode], str]] = {
    Condition.OPENED: _engaged("'open', 'click'"),  # a click implies the message was opened
    Condition.CLICKED: _engaged("'click'"),
    Condition.PURCHASED: _purchased,
    Condition.IN_SEGMENT: _in_segment,
    Condition.DID_EVENT: _did_event,
}


def condition_sql(node: JourneyNode) -> str:
    return f"({CONDITIONS[node.condition](node)})"
