"""import_members' consent:<purpose> columns: states, proof, idempotency, and the round trip through export_members."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.models import ConsentRecord, Member
from customers.services import consent_set
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["orm", "copy"])
def write_path(request, settings, on_postgres):
    """Every test runs on both writers of the proof: bulk_create, and (PostgreSQL) one COPY per batch."""
    if request.param == "copy":
        if not on_postgres:
            pytest.skip("the COPY path is PostgreSQL's")
        settings.IMPORT_COPY_MIN_ROWS = 0
    else:
        settings.IMPORT_COPY_MIN_ROWS = 10**9
    return request.param
HEADER = "external_id,registered_at,consent:personal_data,consent:email,consent:sms,consent:push"


def run(path):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_members", str(path), stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def write(tmp_path, *lines, name="crm.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def proofs(external_id):
    return {(r.purpose, r.granted, r.method, r.source): r for r in ConsentRecord.objects.filter(member__external_id=external_id)}


@pytest.mark.parametrize("cell, granted", [
    ("1", True), ("0", False), ("TRUE", True), ("false", False), ("Yes", True), ("no", False), ("ДА", True), ("нет", False),
])
def test_yes_and_no_in_every_spelling(tmp_path, cell, granted):
    # when
    _, err, error = run(write(tmp_path, "external_id,registered_at,consent:email", f"A,2024-01-01,{cell}"))
    # then
    assert error is None, err
    member = Member.objects.get(external_id="A")
    assert member.email_consent is granted
    record = ConsentRecord.objects.get(member=member)
    assert (record.purpose, record.granted, record.method, record.source) == ("email", granted, "import", "crm.csv")
    assert record.evidence == "line 2"


@pytest.mark.parametrize("cell, expected", [
    ("2023-05-04T10:15:00+03:00", dt.datetime(2023, 5, 4, 7, 15, tzinfo=dt.timezone.utc)),
    ("04.05.2023 10:15", dt.datetime(2023, 5, 4, 7, 15, tzinfo=dt.timezone.utc)),  # shop time, Moscow
    ("04.05.2023", dt.datetime(2023, 5, 3, 21, 0, tzinfo=dt.timezone.utc)),
])
def test_a_date_means_granted_then(tmp_path, cell, expected):
    _, err, error = run(write(tmp_path, "external_id,registered_at,consent:sms", f"A,2024-01-01,{cell}"))
    assert error is None, err
    record = ConsentRecord.objects.get(member__external_id="A")
    assert record.granted and record.occurred_at == expected
    assert Member.objects.get(external_id="A").sms_consent


def test_each_purpose_is_recorded_and_an_empty_cell_leaves_the_consent_alone(tmp_path):
    # given a member who consented to SMS on the web
    member = MemberFactory(external_id="A")
    consent_set(member=member, purpose="sms", granted=True, method=ConsentRecord.Method.CHECKBOX, source="web")
    # when the file says yes to personal data and email, no to push, and nothing about SMS
    _, err, error = run(write(tmp_path, HEADER, "A,,да,2023-01-02,,0"))
    # then
    assert error is None, err
    member.refresh_from_db()
    assert (member.personal_data_consent, member.email_consent, member.sms_consent, member.push_consent) == (
        True, True, True, False)
    assert set(proofs("A")) == {("personal_data", True, "import", "crm.csv"), ("email", True, "import", "crm.csv"),
                                ("push", False, "import", "crm.csv"), ("sms", True, "checkbox", "web")}


def test_a_bad_consent_cell_is_a_bad_row_by_line_and_column(tmp_path):
    _, err, error = run(write(tmp_path, HEADER, "A,2024-01-01,yes,,,", "B,2024-01-01,maybe,,,",
                              f"C,2024-01-01,{(timezone.now() + dt.timedelta(days=3)).date().isoformat()},,,"))
    assert error is not None
    assert "строка 3, столбец consent:personal_data: Ожидается да или нет" in err
    assert "строка 4, столбец consent:personal_data: Согласие не может быть дано в будущем" in err
    assert list(Member.objects.values_list("external_id", flat=True)) == ["A"]
    assert ConsentRecord.objects.count() == 1


def test_reimporting_the_same_file_adds_no_proof(tmp_path):
    # given
    path = write(tmp_path, HEADER, "A,2024-01-01,yes,2023-01-02 10:00,no,", "B,2024-01-01,1,0,1,1")
    run(path)
    before = ConsentRecord.objects.count()
    # when
    out, err, error = run(path)
    # then
    assert error is None, err
    assert before == 7 and ConsentRecord.objects.count() == before
    assert "unchanged 2" in out


def test_reimporting_an_old_file_does_not_undo_a_later_withdrawal(tmp_path):
    # given a member imported with email consent, who later unsubscribed
    path = write(tmp_path, "external_id,registered_at,consent:email", "A,2024-01-01,yes")
    run(path)
    member = Member.objects.get(external_id="A")
    consent_set(member=member, purpose="email", granted=False, method=ConsentRecord.Method.UNSUBSCRIBE_LINK)
    # when the same file is imported again
    run(path)
    # then the withdrawal stands and no proof was added
    member.refresh_from_db()
    assert member.email_consent is False
    assert ConsentRecord.objects.filter(member=member).count() == 2


def test_an_older_grant_is_kept_as_proof_but_does_not_override_a_newer_withdrawal(tmp_path):
    # given a member who withdrew email consent today
    member = MemberFactory(external_id="A", email_consent=True)
    consent_set(member=member, purpose="email", granted=False, method=ConsentRecord.Method.UNSUBSCRIBE_LINK)
    # when another system's file says they granted it in 2020
    _, err, error = run(write(tmp_path, "external_id,consent:email", "A,2020-03-01 12:00"))
    # then the 2020 grant is proof, and the member stays withdrawn
    assert error is None, err
    member.refresh_from_db()
    assert member.email_consent is False
    assert ("email", True, "import", "crm.csv") in proofs("A")


def test_export_then_import_is_unchanged_and_adds_no_proof(tmp_path):
    # given members with consents of every kind: granted with a time, withdrawn, never asked
    granted = MemberFactory(external_id="G")
    consent_set(member=granted, purpose="email", granted=True, method=ConsentRecord.Method.DOUBLE_OPT_IN,
                at=dt.datetime(2023, 4, 5, 6, 7, 8, 123456, tzinfo=dt.timezone.utc))
    consent_set(member=granted, purpose="personal_data", granted=True, method=ConsentRecord.Method.PAPER)
    withdrawn = MemberFactory(external_id="W")
    consent_set(member=withdrawn, purpose="sms", granted=True, method=ConsentRecord.Method.CHECKBOX,
                at=timezone.now() - dt.timedelta(days=9))
    consent_set(member=withdrawn, purpose="sms", granted=False, method=ConsentRecord.Method.UNSUBSCRIBE_LINK)
    MemberFactory(external_id="N")
    flags = ["external_id", "personal_data_consent", "email_consent", "sms_consent", "push_consent", "updated_at"]
    members_before = list(Member.objects.order_by("pk").values(*flags))
    proof_before = ConsentRecord.objects.count()
    output = tmp_path / "export.csv"
    call_command("export_members", "--output", str(output), stderr=io.StringIO())
    text = output.read_text(encoding="utf-8")
    assert "2023-04-05T09:07:08.123456+03:00" in text
    # when
    out, err, error = run(output)
    # then
    assert error is None, err
    assert "created 0, updated 0, unchanged 3" in out
    assert list(Member.objects.order_by("pk").values(*flags)) == members_before
    assert ConsentRecord.objects.count() == proof_before


def test_export_writes_the_consent_columns_import_reads(tmp_path):
    # given
    member = MemberFactory(external_id="G")
    consent_set(member=member, purpose="email", granted=True, method=ConsentRecord.Method.CHECKBOX,
                at=dt.datetime(2023, 4, 5, 6, 7, 8, tzinfo=dt.timezone.utc))
    consent_set(member=member, purpose="sms", granted=False, method=ConsentRecord.Method.STAFF)
    output = tmp_path / "export.csv"
    # when
    call_command("export_members", "--output", str(output), stderr=io.StringIO())
    # then
    import csv

    row = next(csv.DictReader(output.open(encoding="utf-8")))
    assert (row["consent:personal_data"], row["consent:email"], row["consent:sms"], row["consent:push"]) == (
        "", "2023-04-05T09:07:08+03:00", "no", "")
    assert "email_consent" not in row


def test_an_old_export_with_consent_flags_imports_with_a_note(tmp_path):
    _, err, error = run(write(tmp_path, "external_id,registered_at,email_consent", "A,2024-01-01,true"))
    assert error is None, err
    assert "Ignoring columns this import does not write: email_consent" in err
    assert not ConsentRecord.objects.exists()


def test_consents_are_written_in_batches_with_a_constant_number_of_queries(tmp_path, django_assert_max_num_queries):
    # given 30 members and a batch of 10
    lines = [HEADER] + [f"M{n},2024-01-01,yes,no,1,0" for n in range(30)]
    path = write(tmp_path, *lines)
    # when / then: about fifteen statements per batch, whatever its size
    with django_assert_max_num_queries(60):  # 120 consent states: a per-row write would need 120 or more
        call_command("import_members", str(path), "--batch-size", "10", stdout=io.StringIO(), stderr=io.StringIO())
    assert ConsentRecord.objects.count() == 120
