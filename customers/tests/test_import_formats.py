"""The shared CSV reader and cells: encodings, delimiters, decimal commas and dotted dates, for every import."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from customers.importing import cells
from customers.importing.source import detect_encoding, open_csv
from customers.models import Member
from customers.tests.factories import MemberFactory
from loyalty.models import Order

pytestmark = pytest.mark.django_db


def run(command, path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251")])
def test_the_encoding_is_detected(tmp_path, encoding, detected):
    # given the same file saved three ways
    path = tmp_path / "members.csv"
    path.write_bytes("external_id;registered_at;city\nC1;10.01.2023;Москва\n".encode(encoding))
    # when
    out, err, error = run("import_members", path)
    # then
    assert error is None, err
    assert detect_encoding(path) == detected
    assert Member.objects.get().city == "Москва"
    assert ("reading it as cp1251" in err) is (detected == "cp1251")


def test_a_cp1251_file_whose_first_cyrillic_letter_is_far_down_is_still_detected(tmp_path, monkeypatch):
    # given a file read in chunks smaller than the file, with Cyrillic only on its last line
    import customers.importing.source as source

    monkeypatch.setattr(source, "_SCAN_CHUNK", 64)
    lines = ["external_id,registered_at,city"] + [f"M{n},2023-01-10,Omsk" for n in range(50)] + ["Z,2023-01-10,Тула"]
    path = tmp_path / "members.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1251"))
    # when
    _, err, error = run("import_members", path)
    # then
    assert error is None, err
    assert Member.objects.get(external_id="Z").city == "Тула"


def test_the_encoding_can_be_forced_and_an_unknown_one_is_a_clear_error(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes("external_id,registered_at,city\nC1,2023-01-10,Москва\n".encode("utf-8"))
    _, _, error = run("import_members", path, "--encoding", "cp1251")
    assert error is None
    assert Member.objects.get().city == "Москва".encode("utf-8").decode("cp1251")  # read as told
    _, _, error = run("import_members", path, "--encoding", "klingon")
    assert "Unknown encoding 'klingon'" in str(error)


def test_a_forced_plain_utf8_encoding_still_drops_the_byte_order_mark(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("external_id,registered_at\nC1,2023-01-10\n", encoding="utf-8-sig")
    _, err, error = run("import_members", path, "--encoding", "utf-8")
    assert error is None, err
    assert Member.objects.get().external_id == "C1"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "members.csv"
    path.write_text(delimiter.join(["external_id", "registered_at", "city"]) + "\n"
                    + delimiter.join(["C1", "2023-01-10", "Тверь"]) + "\n", encoding="utf-8")
    with open_csv(path) as source:
        assert source.delimiter == delimiter
    _, err, error = run("import_members", path)
    assert error is None, err
    assert Member.objects.get().city == "Тверь"


@pytest.mark.parametrize("option", ["tab", "\\t", "\t"])
def test_the_delimiter_can_be_forced_by_name(tmp_path, option):
    # given a tab-separated file whose header has more commas than tabs
    path = tmp_path / "members.csv"
    path.write_text("external_id\tcity\nC1\tSt Petersburg, Russia\n", encoding="utf-8")
    MemberFactory(external_id="C1")
    # when
    _, err, error = run("import_members", path, "--delimiter", option)
    # then
    assert error is None, err
    assert Member.objects.get().city == "St Petersburg, Russia"


def test_a_delimiter_of_several_characters_is_refused(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("external_id\nC1\n", encoding="utf-8")
    _, _, error = run("import_members", path, "--delimiter", "||")
    assert "--delimiter must be one character" in str(error)


@pytest.mark.parametrize("text, number", [
    ("1 234,50", Decimal("1234.50")), ("1\u00a0234,50", Decimal("1234.50")), ("1\u202f234\u202f567,5", Decimal("1234567.5")),
    ("12,5", Decimal("12.5")), ("1234.50", Decimal("1234.50")), ("1 234.50", Decimal("1234.50")), ("0", Decimal("0")),
])
def test_amounts_as_spreadsheets_write_them(text, number):
    assert cells.money()(text) == number


@pytest.mark.parametrize("text", ["1 23,50", "12 3456", "1,234,50", "1.234,50", "abc", "1 234,5 0"])
def test_amounts_that_are_ambiguous_or_garbled_are_refused(text):
    with pytest.raises(ValueError):
        cells.money()(text)


@pytest.mark.parametrize("text, day", [("31.01.2024", dt.date(2024, 1, 31)), ("1.2.2024", dt.date(2024, 2, 1)),
                                       ("2024-01-31", dt.date(2024, 1, 31)), ("20240131", dt.date(2024, 1, 31))])
def test_dates_in_dotted_and_iso_forms(text, day):
    assert cells.date(text) == day


@pytest.mark.parametrize("text", ["31.02.2024", "2024.01.31", "31/01/2024", "31.01.24"])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(ValueError):
        cells.date(text)


def test_dotted_timestamps_are_the_shops_local_time():
    assert cells.timestamp("31.01.2024 10:30") == dt.datetime(2024, 1, 31, 7, 30, tzinfo=dt.timezone.utc)
    assert cells.timestamp("31.01.2024 10:30:15") == dt.datetime(2024, 1, 31, 7, 30, 15, tzinfo=dt.timezone.utc)


def test_orders_from_a_russian_spreadsheet(tmp_path):
    # given a cp1251, semicolon-separated order file with dotted dates and spaced decimal commas
    MemberFactory(external_id="C1")
    path = tmp_path / "orders.csv"
    path.write_bytes(("external_id;member_external_id;created_at;total;store\n"
                      "O1;C1;31.01.2024 10:30;1\u00a0234,50;Магазин на Тверской\n"
                      "O2;C1;31.01.2024;12 345;Магазин на Тверской\n"
                      "O3;C1;32.01.2024;10;\n").encode("cp1251"))
    # when
    _, err, error = run("import_orders", path)
    # then the bad date is reported, the rest imported
    assert error is not None and "строка 4, столбец created_at" in err
    totals = dict(Order.objects.values_list("external_id", "total"))
    assert totals == {"O1": Decimal("1234.50"), "O2": Decimal("12345.00")}
