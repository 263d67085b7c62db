"""POST /api/v1/members/{external_id}/redemptions: spend points at the till, once per transaction id."""
import pytest

from core.tests.factories import ApiKeyFactory, auth_header
from customers.tests.factories import MemberFactory
from loyalty.models import LedgerEntry, MemberAccount
from loyalty.services import points_award_bonus

pytestmark = pytest.mark.django_db


@pytest.fixture
def till():
    return ApiKeyFactory()


@pytest.fixture
def member():
    member = MemberFactory(external_id="C100")
    points_award_bonus(member=member, points=500, reason="Welcome", cause_key="welcome-C100")
    return member


def redeem(client, till, body, external_id="C100", key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/members/{external_id}/redemptions", body, content_type="application/json",
                       **auth_header(till), **extra)


def test_spending_points_returns_the_new_balance(client, till, member):
    response = redeem(client, till, {"points": 200, "transaction_id": "T-1"})
    assert response.status_code == 201
    body = response.json()
    assert body["points"] == 200 and body["balance"] == {"available": 300, "pending": 0, "debt": 0}
    assert MemberAccount.objects.get(member=member).available_points == 300


def test_the_same_transaction_id_spends_once_even_without_an_idempotency_key(client, till, member):
    first = redeem(client, till, {"points": 200, "transaction_id": "T-1"})
    again = redeem(client, till, {"points": 200, "transaction_id": "T-1"})
    assert first.json()["entry_id"] == again.json()["entry_id"]
    assert MemberAccount.objects.get(member=member).available_points == 300


def test_idempotent_replay_and_key_reuse(client, till, member):
    first = redeem(client, till, {"points": 100, "transaction_id": "T-1"}, key="k1")
    replay = redeem(client, till, {"points": 100, "transaction_id": "T-1"}, key="k1")
    reused = redeem(client, till, {"points": 100, "transaction_id": "T-2"}, key="k1")
    assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert LedgerEntry.objects.filter(member=member, kind="redeem").count() == 1


def test_more_than_the_balance_is_409_and_writes_nothing(client, till, member):
    response = redeem(client, till, {"points": 501, "transaction_id": "T-1"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_points"
    assert response.json()["error"]["fields"]["points"]
    assert not LedgerEntry.objects.filter(kind="redeem").exists()


@pytest.mark.parametrize("body, field", [
    ({"points": 0, "transaction_id": "T"}, "points"), ({"points": -5, "transaction_id": "T"}, "points"),
    ({"points": "ten", "transaction_id": "T"}, "points"), ({"points": 10}, "transaction_id"),
])
def test_bad_input_is_400_with_the_field(client, till, member, body, field):
    response = redeem(client, till, body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert MemberAccount.objects.get(member=member).available_points == 500


def test_unknown_member_is_404(client, till, member):
    assert redeem(client, till, {"points": 1, "transaction_id": "T"}, external_id="nobody").status_code == 404


def test_auth(client, member):
    assert client.post("/api/v1/members/C100/redemptions", {}, content_type="application/json").status_code == 401
    assert redeem(client, ApiKeyFactory(scopes=["staff"]), {"points": 1, "transaction_id": "T"}).status_code == 403
    assert not LedgerEntry.objects.filter(kind="redeem").exists()
