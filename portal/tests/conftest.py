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
def sent(db):
    """Transactional messages the portal queued in the campaigns outbox, oldest first, as dicts."""

    def messages():
        return list(OutboxMessage.objects.filter(purpose=Purpose.TRANSACTIONAL).order_by("id")
                    .values("to", "channel", "subject", "body", "member_id"))

    return messages
