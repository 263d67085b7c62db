from .campaigns import (  # noqa: F401
    Action, Campaign, CampaignEntry, CampaignSettings, CampaignStep, PlannedAction, PlannedActionStatus,
    StepCondition, Trigger,
)
from .engagement import ManagerTask, MemberOffer, Review, ReviewRequest  # noqa: F401
from .outbox import SECRET_PLACEHOLDER, OutboxMessage, OutboxStatus, Purpose  # noqa: F401
from .webhooks import WebhookEvent, WebhookSubscription  # noqa: F401
