"""POST /api/v1/events: per-event checks, replays stored once, the good events of a bad batch kept."""
import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from core.tests.factories import ApiKeyFactory, auth_header
from customers.tests.factories import MemberFactory
from events.models import Event, EventReceipt, EventType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop():
    return ApiKeyFactory()


def send(client, key, events):
    return client.post("/api/v1/events", {"events": events}, content_type="application/json", **auth_header(key))


def cart(event_id, member="C1", value=3500, **extra):
    return {"id": event_id, "type": "cart_updated", "member": member,
            "time": "2026-12-01T10:00:00+03:00" if "time" not in extra else extra.pop("time"),
            "properties": {"value": value, "items": [{"sku": "A1", "name": "Чайник", "quantity": 1}]}, **extra}


def test_a_replayed_event_id_is_ingested_once(client, shop, settings):
    # given
    MemberFactory(external_id="C1")
    first = send(client, shop, [cart("e-1")])
    # when: the shop sends it again (a retry after a lost answer), with the time re-stamped even
    again = send(client, shop, [cart("e-1", time="2026-12-01T10:05:00+03:00")])
    # then
    assert first.status_code == 200 and first.json()["accepted"] == [0]
    assert again.status_code == 200 and again.json() == {"accepted": [], "duplicates": [0], "rejected": [],
                                                          "attached": 0}
    assert Event.objects.filter(event_id="e-1").count() == 1
    assert EventReceipt.objects.filter(event_id="e-1").count() == 1


def test_the_same_id_twice_in_one_batch_is_stored_once(client, shop):
    MemberFactory(external_id="C1")
    body = send(client, shop, [cart("e-1"), cart("e-1")]).json()
    assert body["accepted"] == [0] and body["duplicates"] == [1]
    assert Event.objects.count() == 1


def test_a_bad_event_is_reported_by_index_and_the_rest_are_kept(client, shop):
    # given
    MemberFactory(external_id="C1")
    batch = [
        cart("ok-1"),
        {"id": "bad-schema", "type": "cart_updated", "member": "C1", "properties": {"items": "not a list"}},
        {"id": "bad-type", "type": "no_such_type", "member": "C1"},
        cart("bad-member", member="NOBODY"),
        {"id": "builtin", "type": "order_completed", "member": "C1"},
        cart("ok-2", value=10),
        {"id": "nobody", "type": "cart_updated", "properties": {"items": []}},
    ]
    # when
    response = send(client, shop, batch)
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["accepted"] == [0, 5]
    reasons = {r["index"]: (r["id"], r["code"]) for r in body["rejected"]}
    assert reasons == {1: ("bad-schema", "invalid_properties"), 2: ("bad-type", "unknown_type"),
                       3: ("bad-member", "unknown_member"), 4: ("builtin", "unknown_type"), 6: ("nobody", "invalid")}
    assert "items" in next(r["message"] for r in body["rejected"] if r["index"] == 1)
    assert set(Event.objects.values_list("event_id", flat=True)) == {"ok-1", "ok-2"}


def test_times_outside_the_kept_window_are_refused(client, shop):
    MemberFactory(external_id="C1")
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    body = send(client, shop, [cart("old", time="2001-01-01T00:00:00Z"), cart("future", time=future)]).json()
    assert [r["code"] for r in body["rejected"]] == ["too_old", "in_future"]
    assert not Event.objects.exists()


def test_the_envelope_must_be_a_list_of_at_most_the_batch_size(client, shop, settings):
    settings.EVENTS_MAX_BATCH = 2
    assert send(client, shop, [cart("a"), cart("b"), cart("c")]).status_code == 400
    for body in ({"events": "x"}, {"events": [cart("a"), "not an object"]}, {"events": [], "extra": 1},
                 {"events": [cart("a", time="yesterday")]}, {"events": [{**cart("a"), "id": 7}]},
                 {"events": [{**cart("a"), "colour": "red"}]}, {"events": [{"type": "cart_updated"}]}):
        response = client.post("/api/v1/events", body, content_type="application/json", **auth_header(shop))
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert not Event.objects.exists()


def test_keys_without_the_pos_scope_and_anonymous_callers_are_refused(client):
    assert send(client, ApiKeyFactory(scopes=["staff"]), [cart("a")]).status_code == 403
    assert client.post("/api/v1/events", {"events": []}, content_type="application/json").status_code in (401, 403)


def test_each_api_key_has_its_own_id_space(client, shop):
    MemberFactory(external_id="C1")
    send(client, shop, [cart("e-1")])
    assert send(client, ApiKeyFactory(), [cart("e-1")]).json()["accepted"] == [0]
    assert Event.objects.filter(event_id="e-1").count() == 2


def test_anonymous_events_are_attached_when_the_visitor_signs_in(client, shop):
    # given: a visitor browses anonymously
    member = MemberFactory(external_id="C1")
    send(client, shop, [{"id": "v1", "type": "product_viewed", "anonymous_id": "anon-7", "properties": {"sku": "A1"}},
                        {"id": "v2", "type": "product_viewed", "anonymous_id": "anon-7", "properties": {"sku": "B2"}}])
    assert Event.objects.filter(member__isnull=True).count() == 2
    # when: an event names both the member and the anonymous id
    body = send(client, shop, [{"id": "s1", "type": "app_opened", "member": "C1", "anonymous_id": "anon-7"}]).json()
    # then
    assert body["attached"] == 2
    assert Event.objects.filter(member=member).count() == 3


def test_a_member_token_sends_only_that_members_events(db):
    from portal.services import member_token_create
    from portal.tests.factories import MemberWithUserFactory

    member, other = MemberWithUserFactory(), MemberWithUserFactory()
    _token, raw = member_token_create(member=member, client="tests")
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = app.post("/api/v1/events", {"events": [
        {"id": "a1", "type": "app_opened"},
        {"id": "a2", "type": "app_opened", "member": other.external_id},
    ]}, format="json")
    assert response.status_code == 200
    assert response.json()["accepted"] == [0]
    assert response.json()["rejected"][0]["code"] == "forbidden_member"
    assert list(Event.objects.values_list("member_id", "source")) == [(member.pk, f"member:{member.pk}")]


def test_an_inactive_type_is_refused(client, shop):
    MemberFactory(external_id="C1")
    EventType.objects.filter(key="cart_updated").update(is_active=False)
    from events.selectors import _types

    _types.clear()
    assert send(client, shop, [cart("a")]).json()["rejected"][0]["code"] == "unknown_type"
