import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from customers import export_columns
from customers.models import Member
from customers.tests.factories import AttributeDefinitionFactory, MemberFactory
from loyalty.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def export(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_members", *args, stdout=out, stderr=err)
    return list(csv.DictReader(io.StringIO(out.getvalue()))), out.getvalue(), err.getvalue()


@pytest.fixture
def attributes():
    AttributeDefinitionFactory(key="pets", type="choice", choices=["cat", "dog"], multiple=True)
    AttributeDefinitionFactory(key="has_children", type="bool")
    AttributeDefinitionFactory(key="kids", type="int")


def test_header_has_external_id_then_registered_columns_then_attributes(attributes):
    # when
    _, text, _ = export()
    # then
    header = text.splitlines()[0].split(",")
    registered = [c.name for c in export_columns.registered_columns() if c.name != "external_id"]
    assert header == ["external_id", *registered, "attr:has_children", "attr:kids", "attr:pets"]
    assert {"email", "registered_at", "consent:email", "referred_by"} <= set(header)


def test_rows_carry_profile_values_and_attributes(attributes):
    # given
    referrer = MemberFactory(external_id="R1")
    MemberFactory(
        external_id="C1", email="a@example.com", gender="f", birth_date=dt.date(1990, 5, 17), email_consent=True,
        registered_at=dt.datetime(2023, 1, 10, 9, tzinfo=dt.timezone.utc), referred_by=referrer,
        attributes={"pets": ["cat", "dog"], "has_children": True},
    )
    # when
    rows, _, _ = export()
    # then
    row = rows[1]
    assert row["external_id"] == "C1"
    assert (row["email"], row["gender"], row["birth_date"]) == ("a@example.com", "f", "1990-05-17")
    assert row["registered_at"] == "2023-01-10T12:00:00+03:00"
    # a consent granted without a record of when is "yes"; one never asked is empty (import leaves it alone)
    assert (row["consent:email"], row["consent:sms"]) == ("yes", "")
    assert row["referred_by"] == "R1"
    assert (row["attr:pets"], row["attr:has_children"], row["attr:kids"]) == ("cat|dog", "true", "")


def test_a_column_registered_by_another_app_is_computed_in_the_same_query(monkeypatch, django_assert_max_num_queries, tmp_path):
    # given
    monkeypatch.setattr(export_columns, "_columns", dict(export_columns._columns))
    export_columns.register("orders_count", Count("orders"), order=10_000)
    members = MemberFactory.create_batch(5)
    OrderFactory.create_batch(2, member=members[0])
    output = tmp_path / "members.csv"
    # when: five members fetched two at a time still take one SELECT (plus the attribute definitions)
    with django_assert_max_num_queries(3):
        call_command("export_members", "--output", str(output), "--chunk-size", "2", stderr=io.StringIO())
    # then
    with output.open() as stream:
        rows = list(csv.DictReader(stream))
    assert [row["orders_count"] for row in rows] == ["2", "0", "0", "0", "0"]
    assert list(rows[0])[-1] == "orders_count"


def test_progress_and_count_go_to_stderr():
    MemberFactory.create_batch(3)
    _, text, err = export()
    assert "Exported 3 members." in err
    assert "Exported" not in text


def test_export_then_import_into_an_empty_database_gives_the_same_members(attributes, tmp_path):
    # given
    AttributeDefinitionFactory(key="budget", type="decimal")
    AttributeDefinitionFactory(key="since", type="date")
    MemberFactory(
        external_id="C1", email="a@example.com", phone="+79000000001", first_name="Анна", last_name="Иванова",
        gender="f", birth_date=dt.date(1990, 5, 17), region="ЦФО", city="Москва", registration_channel="app",
        registered_at=dt.datetime(2023, 1, 10, 9, 30, 15, tzinfo=dt.timezone.utc),
        attributes={"pets": ["cat", "dog"], "has_children": False, "kids": 2, "budget": "12.50", "since": "2020-02-01"},
    )
    MemberFactory(external_id="C2", email="", gender="", birth_date=None, attributes={})
    fields = ["external_id", "email", "phone", "first_name", "last_name", "gender", "birth_date", "region", "city",
              "registered_at", "registration_channel", "attributes"]
    before = list(Member.objects.order_by("external_id").values(*fields))
    output = tmp_path / "members.csv"
    call_command("export_members", "--output", str(output), stderr=io.StringIO())
    Member.objects.all().delete()
    # when
    call_command("import_members", str(output), stdout=io.StringIO(), stderr=io.StringIO())
    # then
    assert list(Member.objects.order_by("external_id").values(*fields)) == before
