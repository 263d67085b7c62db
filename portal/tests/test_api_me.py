import json
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import ConsentRecord, Member
from customers.tests.factories import AttributeDefinitionFactory
from loyalty.models import MemberAccount, Tier
from loyalty.services import order_upsert
from loyalty.tests.factories import EarningRuleFactory, OrderFactory, OrderLineFactory
from messaging.models import Device

pytestmark = pytest.mark.django_db

ME_ENDPOINTS = [("get", "/api/v1/me"), ("patch", "/api/v1/me"), ("post", "/api/v1/me/devices"),
                ("post", "/api/v1/me/survey"), ("get", "/api/v1/me/referral"), ("get", "/api/v1/me/orders"),
                ("get", "/api/v1/me/export"), ("post", "/api/v1/auth/sign-out")]


@pytest.fixture
def attributes(db):
    return {
        "pets": AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog"], multiple=True),
        "clothing_size": AttributeDefinitionFactory(key="clothing_size", type="choice", choices=["S", "M", "L"]),
        "vip_note": AttributeDefinitionFactory(key="vip_note", type="text", member_editable=False),
    }


@pytest.mark.parametrize("method,url", ME_ENDPOINTS)
def test_every_member_endpoint_needs_a_token(anon, method, url):
    response = getattr(anon, method)(url, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("method,url", ME_ENDPOINTS)
def test_a_garbage_token_is_refused(anon, method, url):
    anon.credentials(HTTP_AUTHORIZATION="Bearer abc.def")
    assert getattr(anon, method)(url, {}, format="json").status_code == 401


def test_profile_shows_own_data_balance_tier_and_consents(api, member):
    tier = Tier.objects.create(slug="silver", name="Silver", rank=2)
    MemberAccount.objects.create(member=member, tier=tier, available_points=350)
    body = api.get("/api/v1/me").json()
    assert body["email"] == member.email
    assert body["balance"] == 350 and body["tier"] == "Silver"
    assert body["consents"] == {"personal_data": False, "email": False, "sms": False, "push": False}


def test_patch_updates_profile_attributes_and_consents_with_history(api, member, attributes):
    # when
    response = api.patch("/api/v1/me", {
        "first_name": "Ольга", "timezone": "Asia/Yekaterinburg", "preferred_channel": "sms",
        "attributes": {"pets": ["dog"], "clothing_size": "M"}, "consents": {"sms": True, "email": False},
    }, format="json")
    # then
    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert (member.first_name, member.timezone, member.preferred_channel) == ("Ольга", "Asia/Yekaterinburg", "sms")
    assert member.attributes == {"pets": ["dog"], "clothing_size": "M"}
    assert member.sms_consent
    # only the change is recorded: email was already off
    assert list(ConsentRecord.objects.filter(member=member).values_list("purpose", "granted", "source")) == [
        ("sms", True, "app")]
    assert response.json()["consent_history"][0]["purpose"] == "sms"


@pytest.mark.parametrize("payload,field", [
    ({"balance": 100000}, "balance"),
    ({"tier": "gold"}, "tier"),
    ({"stage": "loyal"}, "stage"),
    ({"consent_history": []}, "consent_history"),
    ({"email": "x@example.com"}, "email"),
    ({"is_staff": True}, "is_staff"),
])
def test_read_only_and_unknown_fields_are_refused(api, member, payload, field):
    response = api.patch("/api/v1/me", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not MemberAccount.objects.filter(member=member).exists()


@pytest.mark.parametrize("payload,path", [
    ({"attributes": {"shoe_size": "42"}}, ("attributes", "shoe_size")),
    ({"attributes": {"vip_note": "I am VIP"}}, ("attributes", "vip_note")),
    ({"attributes": {"clothing_size": "XXL"}}, ("attributes", "clothing_size")),
    ({"attributes": {"pets": ["parrot"]}}, ("attributes", "pets")),
    ({"first_name": ["not", "text"]}, ("first_name",)),
    ({"gender": "x"}, ("gender",)),
    ({"timezone": "Mars/Olympus"}, ("timezone",)),
    ({"birth_date": "yesterday"}, ("birth_date",)),
    ({"consents": {"email": "maybe"}}, ("consents", "email")),
    ({"consents": {"fax": True}}, ("consents", "fax")),
])
def test_bad_input_gets_field_messages_and_changes_nothing(api, member, attributes, payload, path):
    # a valid change rides along to prove the whole request is refused
    response = api.patch("/api/v1/me", {"last_name": "Changed", **payload}, format="json")
    assert response.status_code == 400, response.json()
    node = response.json()["error"]["fields"]
    for key in path:
        node = node[key]
    assert node
    member.refresh_from_db()
    assert member.last_name != "Changed" and member.attributes == {}
    assert not ConsentRecord.objects.filter(member=member).exists()


def test_an_oversized_body_is_refused_with_413(api, member):
    body = json.dumps({"city": "x" * 40_000})  # over PORTAL_MAX_BODY_BYTES (32 KB), under API_MAX_BODY_BYTES
    response = api.generic("PATCH", "/api/v1/me", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"
    member.refresh_from_db()
    assert member.city == ""


def test_too_many_attribute_keys_are_refused(api):
    response = api.patch("/api/v1/me", {"attributes": {f"k{i}": "x" for i in range(51)}}, format="json")
    assert response.status_code == 400 and "attributes" in response.json()["error"]["fields"]


def test_survey_stores_editable_answers_only(api, member, attributes):
    ok = api.post("/api/v1/me/survey", {"answers": {"pets": "cat|dog"}}, format="json")
    bad = api.post("/api/v1/me/survey", {"answers": {"pets": "dog", "vip_note": "x"}}, format="json")
    assert ok.status_code == 200 and ok.json()["attributes"] == {"pets": ["cat", "dog"]}
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]["attributes"]) == {"vip_note"}
    member.refresh_from_db()
    assert member.attributes == {"pets": ["cat", "dog"]}


def test_device_registration_is_idempotent_and_moves_a_token_between_members(api, other_api, member, other_member):
    payload = {"platform": "android", "push_token": "fcm-123"}
    assert api.post("/api/v1/me/devices", payload, format="json").status_code == 201
    assert api.post("/api/v1/me/devices", payload, format="json").status_code == 201
    assert Device.objects.get().member == member
    other_api.post("/api/v1/me/devices", payload, format="json")
    assert Device.objects.get().member == other_member
    assert api.post("/api/v1/me/devices", {"platform": "nokia", "push_token": "x"}, format="json").status_code == 400


def test_referral_shows_code_link_invited_bought_and_points_earned(api, member, settings):
    settings.PUBLIC_BASE_URL = "https://club.example"
    # given a referral rule paying the referrer, and two invited friends of whom one buys twice
    EarningRuleFactory(kind="referral", bonus_points=250, referral_beneficiary="referrer", points_per_unit=0)
    friend = Member.objects.create(external_id="F1", registered_at=member.registered_at, referred_by=member)
    Member.objects.create(external_id="F2", registered_at=member.registered_at, referred_by=member)
    for number in ("A1", "A2"):
        order_upsert(source="shop", external_id=number, member=friend, created_at=timezone.now(), status="completed",
                     total=Decimal("1000"), currency="RUB", channel="store", store="", lines=[])
    # when
    body = api.get("/api/v1/me/referral").json()
    # then
    assert body["code"] == member.referral_code
    assert body["link"] == f"https://club.example/join/{member.referral_code}/"  # the public site, not the API host
    assert (body["invited"], body["purchased"], body["earned_points"]) == (2, 1, 250)


def test_orders_are_the_members_own_with_lines(api, other_api, member, other_member, django_assert_max_num_queries):
    line = OrderLineFactory(order=OrderFactory(member=member))
    OrderFactory(member=other_member)
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/me/orders").json()
    assert [o["external_id"] for o in body["results"]] == [line.order.external_id]
    assert body["results"][0]["lines"][0]["sku"] == line.product.sku
    assert line.order.external_id not in json.dumps(other_api.get("/api/v1/me/orders").json())


def test_patch_phone_stores_it_in_e164(api, member):
    response = api.patch("/api/v1/me", {"phone": "8 (999) 000-11-22"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+79990001122"
    member.refresh_from_db()
    assert member.phone == "+79990001122"


@pytest.mark.parametrize("phone", ["12345", "8 (999) 000-11"])
def test_patch_with_an_invalid_phone_is_a_400_and_keeps_the_old_one(api, member, phone):
    before = member.phone
    response = api.patch("/api/v1/me", {"phone": phone, "first_name": "Changed"}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["error"]["fields"]
    member.refresh_from_db()
    assert member.phone == before and member.first_name != "Changed"


def test_patch_with_another_members_phone_is_refused(api, member, other_member):
    response = api.patch("/api/v1/me", {"phone": other_member.phone}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["error"]["fields"]


def test_a_phone_that_is_the_only_login_cannot_be_removed(api, member):
    Member.objects.filter(pk=member.pk).update(email="")
    response = api.patch("/api/v1/me", {"phone": ""}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["error"]["fields"]
    member.refresh_from_db()
    assert member.phone


def test_a_phone_can_be_removed_by_a_member_who_signs_in_by_email(api, member):
    response = api.patch("/api/v1/me", {"phone": ""}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.phone == ""
