import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from customers.models import Member
from customers.signals import import_finished
from customers.tests.factories import AttributeDefinitionFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["orm", "copy"])
def write_path(request, settings, on_postgres):
    """Every test runs on both writers: the ORM upsert, and (PostgreSQL) COPY into a staging table + set-based SQL."""
    if request.param == "copy":
        if not on_postgres:
            pytest.skip("the COPY path is PostgreSQL's")
        settings.IMPORT_COPY_MIN_ROWS = 0
    else:
        settings.IMPORT_COPY_MIN_ROWS = 10**9
    return request.param

HEADER = "external_id,email,phone,first_name,last_name,gender,birth_date,region,city,registered_at,registration_channel"
MOSCOW = ZoneInfo("Europe/Moscow")


def write(tmp_path, *lines, name="members.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    """Call the command; returns (stdout, stderr, error or None)."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_members", str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def test_good_rows_are_imported_with_their_types(tmp_path):
    # given
    path = write(
        tmp_path, HEADER,
        "C1,anna@example.com,+7 900 000-00-01,Анна,Иванова,ж,1990-05-17,ЦФО,Москва,2023-01-10 12:30:00,app",
        "C2,,,Boris,,male,19850203,,,20230111,",
    )
    # when
    out, _, error = run(path)
    # then
    assert error is None
    anna = Member.objects.get(external_id="C1")
    assert (anna.email, anna.phone, anna.first_name, anna.gender) == ("anna@example.com", "+79000000001", "Анна", "f")
    assert anna.birth_date == dt.date(1990, 5, 17)
    assert anna.registered_at == dt.datetime(2023, 1, 10, 12, 30, tzinfo=MOSCOW)  # naive means Moscow time
    assert anna.registration_channel == "app"
    boris = Member.objects.get(external_id="C2")
    assert boris.gender == "m"
    assert boris.birth_date == dt.date(1985, 2, 3)  # YYYYMMDD
    assert boris.registered_at == dt.datetime(2023, 1, 11, tzinfo=MOSCOW)
    assert boris.registration_channel == "import"
    assert "created 2" in out


def test_bad_rows_are_reported_by_line_and_column_and_good_rows_kept(tmp_path):
    # given
    path = write(
        tmp_path, HEADER,
        "C1,not-an-email,,,,x,,,,2023-01-10,",
        "C2,b@example.com,,,,,,,,2023-01-10,",
        "C3,,,,,,2999-01-01,,,yesterday,fax",
        ",c@example.com,,,,,,,,2023-01-10,",
        "C5,,,,,,,,,,",
    )
    errors_csv = tmp_path / "errors.csv"
    # when
    out, err, error = run(path, "--errors", str(errors_csv))
    # then
    assert error is not None and "4 rows were rejected" in str(error)
    assert list(Member.objects.values_list("external_id", flat=True)) == ["C2"]
    assert "строка 2, столбец email: Это не адрес электронной почты." in err
    assert "строка 2, столбец gender:" in err
    assert "строка 4, столбец birth_date: Дата рождения не может быть в будущем." in err
    assert "строка 4, столбец registered_at:" in err
    assert "строка 4, столбец registration_channel:" in err
    assert "строка 5, столбец external_id: Обязательно." in err
    assert "строка 6, столбец registered_at: Обязательно для нового клиента." in err
    with errors_csv.open() as report:
        rows = list(csv.DictReader(report))
    assert {(row["line"], row["column"]) for row in rows} >= {("2", "email"), ("5", "external_id"), ("6", "registered_at")}
    assert "rejected 4" in out


def test_a_row_with_the_wrong_number_of_values_is_rejected(tmp_path):
    path = write(tmp_path, "external_id,registered_at,city", "C1,2023-01-10", "C2,2023-01-10,Тула")
    _, err, error = run(path)
    assert error is not None
    assert "строка 2, столбец *: Ожидалось значений: 3, в строке: 2." in err
    assert list(Member.objects.values_list("external_id", flat=True)) == ["C2"]


def test_line_numbers_count_values_spanning_several_lines(tmp_path):
    path = write(tmp_path, "external_id,registered_at,city", 'C1,2023-01-10,"Нижний\nНовгород"', "C2,bad,")
    _, err, _ = run(path)
    assert "строка 4, столбец registered_at:" in err
    assert Member.objects.get().city == "Нижний\nНовгород"


def test_exit_status_is_non_zero_when_a_row_is_rejected(tmp_path):
    path = write(tmp_path, HEADER, "C1,bad,,,,,,,,2023-01-10,")
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "import_members", str(path)]).execute()
    assert exit_info.value.code == 1


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    # given
    path = write(tmp_path, HEADER, "C1,a@example.com,,Anna,,f,1990-05-17,,,2023-01-10T09:00:00+03:00,web")
    run(path)
    updated_at = Member.objects.get().updated_at
    # when
    out, _, error = run(path)
    # then
    assert error is None
    assert "created 0, updated 0, unchanged 1, rejected 0" in out
    assert Member.objects.get().updated_at == updated_at


def test_changed_rows_update_only_the_columns_in_the_header(tmp_path):
    # given
    member = MemberFactory(external_id="C1", email="old@example.com", first_name="Anna", city="Казань")
    path = write(tmp_path, "external_id,email,city", "C1,new@example.com,")
    # when
    out, _, error = run(path)
    # then
    member.refresh_from_db()
    assert (member.email, member.city, member.first_name) == ("new@example.com", "", "Anna")
    assert "updated 1" in out


def test_duplicate_external_id_rejects_the_later_row(tmp_path):
    path = write(tmp_path, HEADER, "C1,a@example.com,,,,,,,,2023-01-10,", "C1,b@example.com,,,,,,,,2023-01-10,")
    _, err, error = run(path)
    assert error is not None
    assert "строка 3, столбец external_id: Повторяет строку 2." in err
    assert Member.objects.get().email == "a@example.com"


def test_attribute_columns_are_validated_and_merged(tmp_path):
    # given
    AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog"], multiple=True)
    AttributeDefinitionFactory(key="kids", type="int")
    MemberFactory(external_id="C1", attributes={"kids": 2, "favourite": "Arbat"})
    path = write(
        tmp_path, "external_id,registered_at,attr:pets,attr:kids",
        "C1,,dog|cat,",
        "C2,2023-01-10,parrot,1.5",
        "C3,2023-01-10,cat,3",
    )
    # when
    _, err, error = run(path)
    # then
    assert error is not None
    assert Member.objects.get(external_id="C1").attributes == {"pets": ["cat", "dog"], "favourite": "Arbat"}
    assert Member.objects.get(external_id="C3").attributes == {"pets": ["cat"], "kids": 3}
    assert not Member.objects.filter(external_id="C2").exists()
    assert "строка 3, столбец attr:pets: Not among the choices: parrot." in err
    assert "строка 3, столбец attr:kids: Expected a whole number." in err


def test_unknown_attribute_column_stops_the_import_before_writing(tmp_path):
    path = write(tmp_path, "external_id,registered_at,attr:shoe_size", "C1,2023-01-10,42")
    _, _, error = run(path)
    assert error is not None and "Unknown attribute column attr:shoe_size" in str(error)
    assert not Member.objects.exists()


def test_unknown_column_stops_the_import_but_export_only_columns_are_ignored(tmp_path):
    _, _, error = run(write(tmp_path, "external_id,registered_at,emial", "C1,2023-01-10,a@example.com"))
    # header problems speak the shop's language (LANGUAGE_CODE ru), as on the admin's import page
    assert error is not None and "Неизвестные столбцы: emial" in str(error)
    assert not Member.objects.exists()

    _, err, error = run(write(tmp_path, "external_id,registered_at,email_consent", "C1,2023-01-10,true", name="b.csv"))
    assert error is None
    assert "Ignoring columns this import does not write: email_consent" in err
    assert Member.objects.get().email_consent is False


def test_a_file_larger_than_one_batch_is_written_in_batches(tmp_path):
    # given
    lines = [f"C{n},m{n}@example.com,,,,,,,,2023-01-10," for n in range(7)]
    lines.insert(3, "BAD,nope,,,,,,,,2023-01-10,")
    path = write(tmp_path, HEADER, *lines)
    # when
    out, err, error = run(path, "--batch-size", "3")
    # then
    assert Member.objects.count() == 7
    assert err.count("rows read") == 3  # progress after each batch
    assert "строка 5, столбец email" in err
    assert "read 8, created 7, updated 0, unchanged 0, rejected 1" in out


def test_semicolon_files_with_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("external_id;registered_at;city\nC1;2023-01-10;Москва\n", encoding="utf-8-sig")
    _, _, error = run(path)
    assert error is None
    assert Member.objects.get().city == "Москва"


def test_import_finished_is_sent_after_commit_with_the_touched_members(tmp_path, django_capture_on_commit_callbacks):
    # given
    MemberFactory(external_id="C0", email="same@example.com")
    received = []

    def receiver(sender, member_ids, summary, **kwargs):
        received.append((sender, member_ids, summary.created))

    import_finished.connect(receiver)
    path = write(tmp_path, "external_id,email,registered_at", "C0,same@example.com,", "C1,new@example.com,2023-01-10")
    # when
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run(path)
    finally:
        import_finished.disconnect(receiver)
    # then
    new_id = Member.objects.get(external_id="C1").pk
    assert received == [("members", frozenset({new_id}), 1)]


def test_new_members_get_distinct_referral_codes_and_existing_members_keep_theirs(tmp_path):
    # given a member already stored, and a file naming it and 30 new members
    existing = MemberFactory(external_id="C0")
    lines = [HEADER, "C0,,,Анна,,,,,,,"] + [f"N{n},,,,,,,,,2023-01-10," for n in range(30)]
    # when
    _, err, error = run(write(tmp_path, *lines))
    # then
    assert error is None, err
    codes = list(Member.objects.exclude(pk=existing.pk).values_list("referral_code", flat=True))
    assert len(codes) == 30 and len(set(codes)) == 30
    assert all(len(code) == 10 and code == code.upper() and int(code, 16) >= 0 for code in codes)
    existing_after = Member.objects.get(pk=existing.pk)
    assert (existing_after.referral_code, existing_after.first_name) == (existing.referral_code, "Анна")


def test_rows_cleaned_by_two_worker_processes_are_reported_and_written_as_by_one(tmp_path, monkeypatch):
    # given a file with bad rows spread over several chunks of the workers
    from customers.importing import parallel

    monkeypatch.setattr(parallel, "CHUNK_ROWS", 3)
    lines = [HEADER]
    for n in range(20):
        email = "not-an-email" if n % 7 == 3 else f"m{n}@example.com"
        lines.append(f"W{n},{email},+7 999 000-00-{n:02d},Имя{n},,,,,,2023-01-10,")
    lines.append("W5,,,,,,,,,2023-01-10,")  # a repeat: only the order of the rows tells which one is later
    path = write(tmp_path, *lines)
    # when
    out, err, error = run(path, "--workers", "2", "--batch-size", "4")
    # then
    assert error is not None and "4 rows were rejected" in str(error)
    assert [line for line in err.splitlines() if line.startswith("строка ")] == [
        "строка 5, столбец email: Это не адрес электронной почты. (получено 'not-an-email')",
        "строка 12, столбец email: Это не адрес электронной почты. (получено 'not-an-email')",
        "строка 19, столбец email: Это не адрес электронной почты. (получено 'not-an-email')",
        "строка 22, столбец external_id: Повторяет строку 7. (получено 'W5')",
    ]
    assert Member.objects.count() == 17
    assert Member.objects.get(external_id="W11").phone == "+79990000011"
    assert Member.objects.get(external_id="W11").first_name == "Имя11"
    assert Member.objects.get(external_id="W11").registration_channel == "import"  # the empty cell's KEEP came back
