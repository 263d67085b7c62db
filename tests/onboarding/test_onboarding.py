"""A retailer's own exports, written by hand as they arrive (tests/onboarding/*): cp1251 with semicolons,
UTF-8 with a BOM, tabs; phones typed every way; consents as да/нет, 1/0 and dates; decimal commas and spaced
thousands; DD.MM.YYYY; and a few bad rows. Imported, then used at once by a marketer and a cashier."""
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.tests.factories import ApiKeyFactory, auth_header
from customers.models import ConsentRecord, Member
from segments.models import MemberStats

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent

# Every bad row of every file: (line, column).
BAD_ROWS = {
    "members.csv": {(5, "birth_date"), (6, "phone"), (7, "email"), (8, "consent:personal_data"), (9, "external_id"),
                    (10, "registered_at")},
    "orders.csv": {(6, "created_at"), (8, "member_external_id"), (9, "total")},
    "order_lines.tsv": {(5, "order_external_id"), (6, "unit_price")},
}


def import_file(command, name):
    """Run one import; returns its stderr report, which must end in the rejected-rows error."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="rows were rejected"):
        call_command(command, str(FILES / name), "--errors", "/dev/null", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def reported(report: str) -> set[tuple[int, str]]:
    found = set()
    for line in report.splitlines():
        if line.startswith("строка "):  # the report in the shop's language
            number, column = line[len("строка "):].split(": ", 1)[0].split(", столбец ")
            found.add((int(number), column))
    return found


@pytest.fixture
def onboarded(settings, monkeypatch, django_capture_on_commit_callbacks):
    """The three files imported in order, the refresh each import queues run as a worker would run it."""
    from analytics import tasks

    settings.ANALYTICS_REFRESH_AFTER_IMPORT = True
    monkeypatch.setattr(tasks.member_scores_refresh_task, "delay", tasks.member_scores_refresh_task)
    reports = {}
    with django_capture_on_commit_callbacks(execute=True):
        reports["members.csv"] = import_file("import_members", "members.csv")
    with django_capture_on_commit_callbacks(execute=True):
        reports["orders.csv"] = import_file("import_orders", "orders.csv")
    with django_capture_on_commit_callbacks(execute=True):
        reports["order_lines.tsv"] = import_file("import_order_lines", "order_lines.tsv")
    return reports


def test_every_bad_row_is_reported_by_line_and_column_and_the_good_rows_are_kept(onboarded):
    for name, expected in BAD_ROWS.items():
        assert reported(onboarded[name]) == expected, name
    assert "reading it as cp1251" in onboarded["members.csv"]
    assert sorted(Member.objects.values_list("external_id", flat=True)) == ["10001", "10002", "10003", "10009"]
    anna = Member.objects.get(external_id="10001")
    assert (anna.first_name, anna.city, anna.birth_date.isoformat()) == ("Анна", "Москва", "1990-05-17")
    assert sorted(Member.objects.values_list("phone", flat=True)) == [
        "+79990001122", "+79990001123", "+79990001124", "+79990001130"]


def test_consents_arrive_with_their_proof(onboarded):
    anna = Member.objects.get(external_id="10001")
    assert (anna.personal_data_consent, anna.email_consent, anna.sms_consent, anna.push_consent) == (
        True, True, False, False)
    email = ConsentRecord.objects.get(member=anna, purpose="email")
    assert (email.method, email.source, email.occurred_at.isoformat()) == (
        "import", "members.csv", "2023-01-15T07:00:00+00:00")  # 10:00 in the shop's zone
    ivan = Member.objects.get(external_id="10009")
    assert (ivan.personal_data_consent, ivan.email_consent, ivan.sms_consent, ivan.push_consent) == (
        True, False, True, False)
    assert ConsentRecord.objects.filter(method="import", source="members.csv").count() == 13


def test_the_segment_builder_counts_members_by_statistics_right_after(onboarded, admin_client):
    # when a marketer counts repeat buyers and big spenders
    def count(rules):
        response = admin_client.post(reverse("admin:segments_segment_preview"), json.dumps(rules),
                                     content_type="application/json")
        return response.json()

    repeat = count({"type": "group", "op": "and", "children": [
        {"type": "stat", "field": "orders_count", "op": "gte", "value": 2}]})
    big = count({"type": "group", "op": "and", "children": [
        {"type": "stat", "field": "total_spent", "op": "gte", "value": "4000"}]})
    # then the counts are there, with nothing stale to warn of
    assert (repeat["count"], [m["external_id"] for m in repeat["sample"]]) == (1, ["10001"])
    assert big["count"] == 2 and repeat["statistics"] is None  # 10001 (4,734.40) and 10002 (12,000)
    anna = MemberStats.objects.get(member__external_id="10001")
    assert (anna.orders_count, str(anna.total_spent)) == (3, "4734.40")
    assert anna.rfm_code and anna.rfm_segment
    ivan = MemberStats.objects.get(member__external_id="10009")
    assert ivan.orders_count == 1  # the returned order does not count


PHONE_FORMS = [
    ("+79990001122", "10001"), ("8 (999) 000-11-22", "10001"), ("89990001122", "10001"), ("9990001122", "10001"),
    ("+7 999 000 11 24", "10003"), ("8-999-000-11-30", "10009"),
]


def test_the_pos_finds_members_by_any_phone_form(onboarded, client):
    till = ApiKeyFactory(scopes=["pos"])
    for typed, external_id in PHONE_FORMS:
        response = client.get("/api/v1/members/lookup", {"phone": typed}, **auth_header(till))
        assert (response.status_code, response.json().get("external_id")) == (200, external_id), typed


def test_importing_the_same_files_again_changes_nothing(onboarded):
    proofs = ConsentRecord.objects.count()
    err = io.StringIO()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_members", str(FILES / "members.csv"), stdout=out, stderr=err)
    assert "created 0, updated 0, unchanged 4, rejected 6" in out.getvalue()
    assert ConsentRecord.objects.count() == proofs
