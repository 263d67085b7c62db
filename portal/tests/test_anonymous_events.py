"""Signing in (app API or portal) with the visitor's anonymous id makes that id's earlier events the member's."""
import datetime as dt

import pytest
from django.utils import timezone

from events.models import Event
from events.services import events_ingest
from events.tests.factories import event_types  # noqa: F401

from .factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_types")]


def browse(anonymous_id, *event_ids):
    at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    events_ingest(source="shop", items=[{"id": event_id, "type": "product_viewed", "anonymous_id": anonymous_id,
                                         "time": at, "properties": {"sku": "A1"}} for event_id in event_ids])


def owned_by(member):
    return set(Event.objects.filter(member=member).values_list("event_id", flat=True))


def test_app_sign_in_with_the_anonymous_id_attaches_its_events(anon, member):
    # given
    browse("app-install-1", "v1", "v2")
    browse("someone-else", "w1")
    # when
    response = anon.post("/api/v1/auth/sign-in", {"login": member.email, "password": PASSWORD,
                                                  "anonymous_id": "app-install-1"}, format="json")
    # then
    assert response.status_code == 200
    assert owned_by(member) == {"v1", "v2"}
    assert Event.objects.get(event_id="w1").member_id is None


def test_a_failed_sign_in_attaches_nothing(anon, member):
    browse("app-install-1", "v1")
    response = anon.post("/api/v1/auth/sign-in", {"login": member.email, "password": "wrong",
                                                  "anonymous_id": "app-install-1"}, format="json")
    assert response.status_code == 400
    assert Event.objects.get(event_id="v1").member_id is None


def test_app_sign_up_attaches_the_visitors_events(anon):
    browse("app-install-2", "v1")
    response = anon.post("/api/v1/auth/sign-up", {"login": "new@example.com", "password": "a-long-pass-phrase",
                                                  "personal_data_consent": True, "anonymous_id": "app-install-2"},
                         format="json")
    assert response.status_code == 201
    assert Event.objects.get(event_id="v1").member.email == "new@example.com"


def test_sign_in_without_an_anonymous_id_still_works(anon, member):
    browse("app-install-1", "v1")
    response = anon.post("/api/v1/auth/sign-in", {"login": member.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200 and owned_by(member) == set()


def test_an_anonymous_id_longer_than_events_keep_is_a_400(anon, member):
    response = anon.post("/api/v1/auth/sign-in", {"login": member.email, "password": PASSWORD,
                                                  "anonymous_id": "x" * 65}, format="json")
    assert response.status_code == 400 and "anonymous_id" in str(response.json())


def test_portal_sign_in_attaches_the_web_shops_anonymous_cookie(client, member, settings):
    # given the web shop's cookie on the visitor's browser
    browse("web-visitor-5", "v1")
    client.cookies[settings.EVENTS_ANONYMOUS_ID_COOKIE] = "web-visitor-5"
    # when they sign in to the portal
    response = client.post("/sign-in/", {"login": member.email, "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert owned_by(member) == {"v1"}


def test_a_second_member_signing_in_on_the_same_device_takes_nothing_already_attached(anon, member, other_member):
    browse("shared-tablet", "v1")
    anon.post("/api/v1/auth/sign-in", {"login": member.email, "password": PASSWORD, "anonymous_id": "shared-tablet"},
              format="json")
    response = anon.post("/api/v1/auth/sign-in", {"login": other_member.email, "password": PASSWORD,
                                                  "anonymous_id": "shared-tablet"}, format="json")
    assert response.status_code == 200
    assert owned_by(member) == {"v1"} and owned_by(other_member) == set()
