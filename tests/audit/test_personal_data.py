"""Members' personal data: the export holds everything about the member, and the erasure leaves no trace of their
email, phone or names in any text column of any table, while the ledger, orders and consent proof stay."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import ManagerTask, MemberOffer, OutboxMessage, Purpose, Review
from campaigns.tests.factories import CampaignMessageFactory, EntryFactory
from core.models import IdempotencyKey
from customers.models import ConsentRecord, EngagementEvent, Member, MemberErasure
from customers.personal_data import member_data_export, member_erase
from customers.services import consent_set
from lifecycle.models import LifecycleStage, StageTransition
from loyalty.models import LedgerEntry, Order, TierHistory
from loyalty.services import points_adjust
from loyalty.tests.factories import OrderLineFactory, TierFactory
from messaging.models import Device
from portal.models import MemberToken, SignInCode
from portal.services import device_register, member_sign_up, member_token_create, sign_in_code_request
from segments.models import Segment, SegmentMembership

pytestmark = pytest.mark.django_db

EMAIL, PHONE, FIRST, LAST = "elvira.shpigelman@example.org", "+79161234567", "Эльвира", "Шпигельман"
TRACES = [EMAIL, PHONE, PHONE.lstrip("+"), FIRST, LAST, "Elvira", "Shpigelman"]


@pytest.fixture
def member(admin_client):
    """A member with data in every app, some of it free text that names them."""
    member = member_sign_up(login=EMAIL, password="correct-horse-battery", first_name=FIRST,
                            personal_data_consent=True, email_consent=True, evidence=f"web form, {EMAIL}")
    Member.objects.filter(pk=member.pk).update(phone=PHONE, last_name=LAST, city="Казань", card_number="7700123",
                                               attributes={"nickname": "Elvira Shpigelman"})
    member.refresh_from_db()
    consent_set(member=member, purpose="sms", granted=True, method="paper", source="store 12",
                evidence=f"signed by {FIRST} {LAST}, {PHONE}")
    EngagementEvent.objects.create(member=member, channel="email", kind="click", occurred_at=timezone.now(),
                                   url=f"https://shop.example.com/?utm_email={EMAIL}", campaign="Весна")
    # loyalty: an order with lines, points, a staff adjustment naming the member, a tier change
    line = OrderLineFactory(order__member=member, order__total=Decimal("1500"))
    staff = get_user_model().objects.get(username="admin")
    points_adjust(member=member, points=50, reason=f"Goodwill for {FIRST} {LAST} (call from {PHONE})",
                  staff_user=staff)
    TierHistory.objects.create(member=member, to_tier=TierFactory(), changed_at=timezone.now(),
                               reason=f"manual: {EMAIL}")
    # lifecycle and segments
    stage = LifecycleStage.objects.get(slug="new")
    StageTransition.objects.create(member=member, to_stage=stage, occurred_on=dt.date.today(), completed_orders=1,
                                   days_since_last_purchase=0)
    segment = Segment.objects.create(name="Казань", kind="static")
    SegmentMembership.objects.create(segment=segment, member=member, since=timezone.now())
    # campaigns: a marketing message sent to them, a review, an offer, a manager task
    message = CampaignMessageFactory(entry=EntryFactory(member=member), subject=f"{FIRST}, весна!",
                                     body=f"Здравствуйте, {FIRST} {LAST}!", to=EMAIL)
    OutboxMessage.objects.filter(pk=message.pk).update(status="delivered", sent_to=EMAIL, sent_at=timezone.now())
    Review.objects.create(member=member, order=line.order, rating=5, text=f"Отлично! {FIRST} {LAST}, {PHONE}")
    MemberOffer.objects.create(member=member, title=f"Для {FIRST}", body=f"{FIRST}, скидка для вас",
                               valid_until=timezone.now() + dt.timedelta(days=7))
    ManagerTask.objects.create(member=member, title=f"Позвонить {FIRST} {LAST} {PHONE}", due_on=dt.date.today(),
                               notes=f"email {EMAIL}")
    # portal: an app session, a device, a sign-in code (its message in the outbox too)
    member_token_create(member=member, client="Elvira's iPhone")
    device_register(member=member, platform="ios", push_token="push-token-of-elvira")
    sign_in_code_request(login=EMAIL)
    # core: an idempotent write's stored answer holding their profile
    IdempotencyKey.objects.create(owner=f"user:{member.user_id}", key="k1", fingerprint="f", method="PATCH",
                                  path="/api/v1/me", response_status=200, response_body={"email": EMAIL},
                                  expires_at=timezone.now() + dt.timedelta(days=1))
    # admin: staff edited the member once (the admin's log names the object)
    url = reverse("admin:customers_member_change", args=[member.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    member.refresh_from_db()
    return member


def _text_columns():
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            for column in introspection.get_table_description(cursor, table):
                field_type = introspection.get_field_type(column.type_code, column)
                if field_type in ("CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField"):
                    yield table, column.name


def _traces_of(needles):
    """(table, column, needle) for every text value that holds one of the needles, in any table of the database."""
    # SQLite's LOWER() and LIKE fold ASCII letters only, PostgreSQL's LIKE none: try each spelling's cases. JSON
    # stored as text escapes non-ASCII letters, so look for the escaped spelling too.
    cased = {c for needle in needles for c in (needle, needle.lower(), needle.upper(), needle.title())}
    needles = {n for needle in cased for n in (needle, json.dumps(needle)[1:-1])}
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(f"SELECT 1 FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s",
                               [f"%{needle}%"])
                if cursor.fetchone():
                    found.append((table, column, needle))
    return found


def test_erasure_leaves_the_member_in_no_text_column_of_any_table(member, admin_user):
    # given a member whose email, phone and names are spread over every app (the search sees them)
    assert {t[0] for t in _traces_of(TRACES)} >= {
        "customers_member", "customers_consentrecord", "customers_engagementevent", "auth_user",
        "loyalty_ledgerentry", "loyalty_tierhistory", "campaigns_outboxmessage", "campaigns_review",
        "campaigns_memberoffer", "campaigns_managertask", "core_idempotencykey"}
    orders, points = Order.objects.filter(member=member).count(), member.account.available_points
    entries = LedgerEntry.objects.filter(member=member).count()
    # when staff erase the member
    erasure = member_erase(member=member, erased_by=admin_user)
    # then no text column of any table holds their email, phone or names
    assert _traces_of(TRACES) == []
    # and the ledger, orders and consent proof are kept under the pseudonymous id
    member.refresh_from_db()
    assert member.external_id == erasure.pseudonym and member.user_id is None
    assert Order.objects.filter(member=member).count() == orders == 1
    assert LedgerEntry.objects.filter(member=member).count() == entries == 1
    member.account.refresh_from_db()
    assert member.account.available_points == points
    proof = ConsentRecord.objects.filter(member=member)
    assert proof.filter(purpose="sms", granted=True, method="paper").exists()  # the proof stays, scrubbed
    assert not member.email_consent and proof.filter(purpose="email", granted=False, source="erasure").exists()
    # and nothing can sign in as them or reach them
    assert not (Device.objects.filter(member=member).exists() or SignInCode.objects.filter(member=member).exists()
                or MemberToken.objects.exists())
    assert not OutboxMessage.objects.filter(member=member, status="pending").exists()
    # and the audit says who erased whom and when
    assert (erasure.erased_by, erasure.member_id) == (admin_user, member.pk)


def test_a_second_erasure_is_refused(member, admin_user):
    member_erase(member=member, erased_by=admin_user)
    with pytest.raises(Exception) as error:
        member_erase(member=member, erased_by=admin_user)
    assert getattr(error.value, "code", "") == "already_erased"
    assert MemberErasure.objects.filter(member=member).count() == 1


def test_the_export_holds_every_section_and_no_secret(member):
    # when the member's data is exported
    export = member_data_export(member=member)
    # then every section is there, with the member's own rows
    assert export["contacts"] == {"email": EMAIL, "phone": PHONE}
    assert export["profile"]["first_name"] == FIRST and export["attributes"] == {"nickname": "Elvira Shpigelman"}
    assert {(r["purpose"], r["method"]) for r in export["consent_records"]} >= {("sms", "paper"), ("email", "checkbox")}
    assert export["orders"][0]["lines"][0]["quantity"] and export["orders"][0]["total"] == "1500.00"
    assert [(e["kind"], e["points"]) for e in export["ledger"]] == [("adjust", 50)]
    assert export["engagement_events"][0]["url"].startswith("https://shop.example.com/")
    assert export["devices"][0]["platform"] == "ios" and export["app_sessions"][0]["client"] == "Elvira's iPhone"
    assert export["segments"][0]["segment__name"] == "Казань" and export["stage_history"][0]["to_stage__name"]
    assert export["tier_history"] and export["reviews"][0]["rating"] == 5 and export["offers"]
    marketing = [m for m in export["messages"] if m["purpose"] == Purpose.MARKETING]
    assert marketing[0]["body"] == f"Здравствуйте, {FIRST} {LAST}!"
    # and no secret: no sign-in code text, token hash, push token or password
    transactional = [m for m in export["messages"] if m["purpose"] == Purpose.TRANSACTIONAL]
    assert transactional and all(m["body"] is None for m in transactional)
    text = json.dumps(export, ensure_ascii=False)
    assert "push-token-of-elvira" not in text and "key_hash" not in text and "pbkdf2" not in text
    assert MemberToken.objects.get().key_hash not in text


def test_a_signed_in_member_downloads_their_own_export_and_nobody_elses(member):
    # given the member and another one, each signed in to the app
    other = member_sign_up(login="someone.else@example.org", password="correct-horse-battery",
                           personal_data_consent=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {member_token_create(member=member)[1]}")
    # when the member asks for their export
    response = client.get("/api/v1/me/export")
    # then it is their JSON, with their orders, and nothing of the other member
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["contacts"]["email"] == EMAIL and len(body["orders"]) == 1
    assert "someone.else@example.org" not in response.content.decode()
    assert other.email not in json.dumps(body)
    # and without a token there is no export
    assert APIClient().get("/api/v1/me/export").status_code == 401


def test_staff_export_from_the_member_admin(admin_client, member):
    response = admin_client.post(reverse("admin:customers_member_changelist"),
                                 {"action": "export_personal_data", "_selected_action": [member.pk]})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["contacts"]["email"] == EMAIL


def test_staff_erase_from_the_member_admin_after_a_confirmation(admin_client, admin_user, member):
    changelist = reverse("admin:customers_member_changelist")
    # when staff pick the erase action, then a confirmation page names the member and nothing is erased yet
    page = admin_client.post(changelist, {"action": "erase_personal_data", "_selected_action": [member.pk]})
    assert page.status_code == 200 and str(member) in page.content.decode()
    assert not MemberErasure.objects.exists()
    # when they confirm, then the member is erased and the audit names them
    admin_client.post(changelist, {"action": "erase_personal_data", "_selected_action": [member.pk], "confirm": "yes"})
    erasure = MemberErasure.objects.get(member=member)
    assert erasure.erased_by == admin_user
    member.refresh_from_db()
    assert member.email == "" and member.external_id == erasure.pseudonym
