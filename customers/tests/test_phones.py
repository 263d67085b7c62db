"""Phones: one normalisation (customers.phones) wherever a phone enters, and the migration of stored ones."""
import importlib
import io

import phonenumbers
import pytest
from django.apps import apps as django_apps
from django.db import connection

from core.tests.factories import ApiKeyFactory, auth_header
from customers.models import Member
from customers.phones import PhoneInvalid, _e164_in_region, phone_normalise
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TYPED_FORMS = ["8 (999) 000-11-22", "+7 999 000 11 22", "89990001122", "9990001122", "+7(999)000-11-22"]


@pytest.mark.parametrize("typed", TYPED_FORMS)
def test_every_typed_form_is_one_e164_number(typed):
    assert phone_normalise(typed) == "+79990001122"


@pytest.mark.parametrize("typed", ["12345", "8 (999) 000-11", "+7 999 000 11 22 33", "phone", "8-800-CALL-ME"])
def test_what_is_not_a_valid_number_is_refused(typed):
    with pytest.raises(PhoneInvalid):
        phone_normalise(typed)


def test_the_shops_region_reads_national_forms(settings):
    # given a shop in the United Kingdom
    settings.SHOP_PHONE_REGION = "GB"
    # then a national UK number is read as one, and a foreign number keeps its own country
    assert phone_normalise("020 7946 0018") == "+442079460018"
    assert phone_normalise("+7 999 000 11 22") == "+79990001122"


@pytest.mark.parametrize("typed", TYPED_FORMS)
def test_pos_lookup_finds_the_member_by_any_form(client, typed):
    # given
    member = MemberFactory(phone="+79990001122")
    till = ApiKeyFactory(scopes=["pos"])
    # when
    response = client.get("/api/v1/members/lookup", {"phone": typed}, **auth_header(till))
    # then
    assert response.status_code == 200 and response.json()["external_id"] == member.external_id


def test_pos_lookup_of_an_invalid_phone_is_a_400_with_the_field(client):
    till = ApiKeyFactory(scopes=["pos"])
    response = client.get("/api/v1/members/lookup", {"phone": "12345"}, **auth_header(till))
    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]


@pytest.mark.parametrize("typed", ["8 (999) 000-11-22", "+7 999 000 11 22", "89990001122"])
def test_admin_member_search_finds_a_phone_typed_any_way(admin_client, typed):
    # given
    # (fixed referral codes: the admin's word search also reads them, and a random one may hold "22")
    wanted = MemberFactory(phone="+79990001122", external_id="WANTED", referral_code="AAAAAAAAAA")
    MemberFactory(phone="+79990001123", external_id="OTHER", referral_code="BBBBBBBBBB")
    # when
    response = admin_client.get("/admin/customers/member/", {"q": typed})
    # then
    found = {member.external_id for member in response.context["cl"].result_list}
    assert found == {wanted.external_id}


def test_admin_account_search_finds_a_phone_typed_any_way(admin_client):
    from loyalty.services import points_award_bonus

    member = MemberFactory(phone="+79990001122")
    points_award_bonus(member=member, points=10, reason="Welcome", cause_key="w")
    response = admin_client.get("/admin/loyalty/memberaccount/", {"q": "8 (999) 000-11-22"})
    assert [account.member_id for account in response.context["cl"].result_list] == [member.pk]


def _migration():
    return importlib.import_module("customers.migrations.0004_member_phones_e164")


def test_the_migration_rewrites_stored_phones_and_counts_what_it_cannot_read(capsys):
    # given phones stored as they were typed before normalisation
    Member.objects.bulk_create([
        Member(external_id="A", phone="8 (999) 000-11-22", registered_at="2024-01-01T00:00:00Z", referral_code="A"),
        Member(external_id="B", phone="89990001123", registered_at="2024-01-01T00:00:00Z", referral_code="B"),
        Member(external_id="C", phone="+79990001124", registered_at="2024-01-01T00:00:00Z", referral_code="C"),
        Member(external_id="D", phone="12-34", registered_at="2024-01-01T00:00:00Z", referral_code="D"),
        Member(external_id="E", phone="", registered_at="2024-01-01T00:00:00Z", referral_code="E"),
    ])

    class SchemaEditor:  # what RunPython hands the function: the connection
        pass

    editor = SchemaEditor()
    editor.connection = connection
    # when
    _migration().normalise_phones(django_apps, editor)
    # then
    phones = dict(Member.objects.values_list("external_id", "phone"))
    assert phones == {"A": "+79990001122", "B": "+79990001123", "C": "+79990001124", "D": "12-34", "E": ""}
    output = capsys.readouterr().out
    assert "2 members' phones rewritten" in output and "1 members keep a phone" in output and "'12-34'" in output


def test_the_migration_writes_in_batches(monkeypatch, capsys):
    # given more distinct phones than one batch
    monkeypatch.setattr(_migration(), "BATCH", 2)
    Member.objects.bulk_create([
        Member(external_id=f"M{n}", phone=f"8999000112{n}", registered_at="2024-01-01T00:00:00Z", referral_code=f"R{n}")
        for n in range(5)
    ])

    class SchemaEditor:
        connection = None

    editor = SchemaEditor()
    editor.connection = connection
    # when
    _migration().normalise_phones(django_apps, editor)
    # then
    assert sorted(Member.objects.values_list("phone", flat=True)) == [f"+7999000112{n}" for n in range(5)]
    assert "5 members' phones rewritten" in capsys.readouterr().out


def test_import_normalises_phones_and_reports_an_invalid_one_by_line_and_column(tmp_path):
    # given
    path = tmp_path / "members.csv"
    path.write_text("external_id,phone,registered_at\nA,8 (999) 000-11-22,2024-01-01\nB,12345,2024-01-01\n",
                    encoding="utf-8")
    err = io.StringIO()
    # when
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("import_members", str(path), stdout=io.StringIO(), stderr=err)
    # then
    assert Member.objects.get(external_id="A").phone == "+79990001122"
    assert not Member.objects.filter(external_id="B").exists()
    assert "строка 3, столбец phone: Это не номер телефона" in err.getvalue()


@pytest.mark.parametrize("typed", [
    "+79990001122", "+7 999 000-11-22", "+7 (999) 000-11-22", "+7 800 555-35-35", "+78005553535", "+7 495 123-45-67",
    "+7 099 000-11-22", "+7 999 000-11", "+7 999 000-11-223", "+7 000 000-00-00", "+1 202 555 0143", "+375 29 123-45-67",
    "+44 20 7946 0958", "+7 840 000-00-00", "+7 8 999 000-11-22",
])
def test_the_fast_international_form_answers_as_the_general_parser(typed):
    # given the answer of phonenumbers itself, parsed in the shop's region
    try:
        number = phonenumbers.parse(typed, "RU")
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) \
            if phonenumbers.is_valid_number(number) else None
    except phonenumbers.NumberParseException:
        expected = None
    # when / then: the same number, or the same refusal
    try:
        assert phone_normalise(typed, region="RU") == expected
    except PhoneInvalid:
        assert expected is None


def test_only_numbers_parse_cannot_read_another_way_take_the_fast_form():
    assert _e164_in_region("+7 (999) 000-11-22", "RU") == "+79990001122"
    assert _e164_in_region("+7 800 555-35-35", "RU") is None  # 8 is RU's national prefix: the parser decides
    assert _e164_in_region("+7 999 000-11", "RU") is None  # not valid: the parser refuses it with its reason
    assert _e164_in_region("8 (999) 000-11-22", "RU") is None
