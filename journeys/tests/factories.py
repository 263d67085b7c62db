"""Small journeys for tests: a campaign run by a journey, its message steps, and nodes wired by keyword."""
from campaigns.models import CampaignStep
from campaigns.tests.factories import CampaignFactory, EntryFactory

from ..models import Journey, JourneyNode, JourneyVariant, NodeKind


def journey_create(**campaign_fields) -> Journey:
    campaign = CampaignFactory(is_journey=True, holdout_percent=0, **campaign_fields)
    return Journey.objects.create(campaign=campaign)


def message_step(journey: Journey, subject: str) -> CampaignStep:
    return CampaignStep.objects.create(campaign=journey.campaign, action="message", channel="email",
                                       subject_template=subject, body_template=f"{subject}, {{{{ first_name }}}}")


def node(journey: Journey, position: int, kind: str, **fields) -> JourneyNode:
    return JourneyNode.objects.create(journey=journey, position=position, kind=kind,
                                      name=fields.pop("name", f"{kind} {position}"), **fields)


def action(journey: Journey, position: int, subject: str, **fields) -> JourneyNode:
    return node(journey, position, NodeKind.ACTION, step=message_step(journey, subject), **fields)


def variant(split: JourneyNode, key: str, next_node: JourneyNode | None, weight: int = 50) -> JourneyVariant:
    return JourneyVariant.objects.create(node=split, key=key, weight=weight, next=next_node)


def wire(source: JourneyNode, next_node: JourneyNode | None = None, next_no: JourneyNode | None = None) -> None:
    source.next, source.next_no = next_node, next_no
    source.save(update_fields=["next", "next_no"])


def enter(journey: Journey, members, **fields):
    return [EntryFactory(campaign=journey.campaign, member=member, **fields) for member in members]
