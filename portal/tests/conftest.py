import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from campaigns.models import OutboxMessage, Purpose

from portal.services import member_token_create

from .factories import MemberWithUserFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Throttling counts in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return MemberWithUserFactory()


@pytest.fixture
def other_member(db):
    return MemberWithUserFactory()


def client_for(member):
    client = APIClient()
    _token, raw = member_token_create(member=member, client="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def api(member):
    return client_for(member)


@pytest.fixture
def other_api(other_member):
    return client_for(other_member)


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def sent(db, settings):
    """Transactional messages the portal queued, as the outbox worker delivered them (codes and links are
    stored only encrypted, so only what was sent holds them), oldest first, as dicts."""
    from django.core import mail

    from campaigns.channels import simple
    from campaigns.services import outbox_send_due

    settings.CAMPAIGNS_CHANNEL_BACKENDS = {**settings.CAMPAIGNS_CHANNEL_BACKENDS,
                                           "sms": "campaigns.channels.simple.LocmemChannel"}
    simple.outbox.clear()

    def messages():
        outbox_send_due()
        bodies = {m.extra_headers["X-Idempotency-Key"]: m.body for m in mail.outbox}
        bodies.update({m.idempotency_key: m.body for m in simple.outbox})
        rows = OutboxMessage.objects.filter(purpose=Purpose.TRANSACTIONAL).order_by("id")
        return [{"to": row.to, "channel": row.channel, "subject": row.subject, "member_id": row.member_id,
                 "body": bodies.get(row.idempotency_key, row.body)} for row in rows]

    yield messages
    simple.outbox.clear()
