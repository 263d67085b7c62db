"""A journey end to end on a real Celery worker and PostgreSQL: the event's trigger task enters the member, the
entry's commit queues the journey's advance (collapsed by the flag in Redis), the advance plans the message and
the outbox delivers it once."""
import pytest
from django.utils import timezone

from campaigns.models import OutboxMessage, OutboxStatus, Trigger
from campaigns.tests.factories import permissive_send_rules
from customers.tests.factories import MemberFactory
from events.models import EventType
from events.services import events_ingest

from ..models import JourneyMember, MemberStatus, NodeKind
from .factories import action, journey_create, node, wire


@pytest.mark.worker
def test_a_cart_event_runs_the_journey_on_a_real_worker_and_delivers_its_message_once(celery_worker_process,
                                                                                      tmp_path):
    from campaigns.tasks import outbox_send_due_task
    from core.testing.celery_worker import wait_until
    from events.tests.factories import seed_event_types

    # given a journey on cart_updated without delay: a message, then the end; and a shopper who may be mailed
    seed_event_types()
    permissive_send_rules()
    journey = journey_create(trigger=Trigger.EVENT, stage=None, event_delay_seconds=0,
                             event_type=EventType.objects.get(key="cart_updated"))
    hello = action(journey, 0, "Вы забыли корзину")
    wire(hello, node(journey, 1, NodeKind.EXIT))
    shopper = MemberFactory(email="cart@example.com", email_consent=True)
    provider_log = tmp_path / "provider.log"
    worker = celery_worker_process(extra_env={
        "CAMPAIGNS_EMAIL_CHANNEL": "campaigns.channels.recording.FileRecordingChannel",
        "CAMPAIGNS_RECORDING_PATH": str(provider_log)})
    # when the shop sends the cart (its commit queues the campaign's trigger task)
    result = events_ingest(source="shop", items=[{
        "id": "cart-1", "type": "cart_updated", "member": shopper.external_id, "time": timezone.now().isoformat(),
        "properties": {"items": [{"sku": "K-1", "name": "Чайник", "quantity": 1}]}}])
    assert result.accepted == [0]
    # then the worker enters the member, advances the journey on the entry's commit and queues the message
    wait_until(lambda: OutboxMessage.objects.filter(campaign_step=hello.step).exists(), timeout=60,
               message="the journey's message queued by the worker")
    assert "journey_advance_task[" in worker.log()
    # and the sender delivers it once; the member's journey ended at the exit
    outbox_send_due_task.delay()
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).exists(), timeout=40,
               message="the journey's mail delivered")
    delivered = [line for line in provider_log.read_text().splitlines() if line.startswith("delivered")]
    message = OutboxMessage.objects.get()
    assert delivered == [f"delivered outbox-{message.pk} cart@example.com"]
    assert list(JourneyMember.objects.values_list("member_id", "status")) == [(shopper.pk, MemberStatus.DONE)]
