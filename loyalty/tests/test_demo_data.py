"""The demo generator's shape: what the README and the benchmarks rely on it to produce."""
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q

from customers.models import ConsentRecord, EngagementEvent, Member
from loyalty.demo_shop import demo_data_generate
from loyalty.models import Order, OrderLine

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def shop():
    return demo_data_generate(members=600, seed=7, as_of=AS_OF, chunk_size=250)


def test_summary_counts_what_was_written(shop):
    assert shop.members == Member.objects.count() == 600
    assert shop.orders == Order.objects.count()
    assert shop.order_lines == OrderLine.objects.count()
    assert shop.events == EngagementEvent.objects.count()
    assert 6 <= shop.orders / shop.members <= 14  # about ten orders per member over two years


def test_generated_timestamps_compare_like_the_orms_own(shop):
    # given the busiest order day, cut at noon UTC: orders on both sides of the cut share the date
    days = Counter(created.date() for created in Order.objects.values_list("created_at", flat=True))
    cut = dt.datetime.combine(days.most_common(1)[0][0], dt.time(12), tzinfo=dt.timezone.utc)
    # when the database filters and truncates the stored values
    later = Order.objects.filter(created_at__gte=cut).count()
    # then it agrees with Python on the loaded values, and every timestamp is read back
    loaded = list(Order.objects.values_list("created_at", flat=True))
    assert later == sum(created >= cut for created in loaded)
    assert Order.objects.filter(created_at__date__isnull=True).count() == 0


def test_repeat_and_one_time_buyers_are_both_common(shop):
    per_member = Order.objects.filter(status="completed").values("member").annotate(n=Count("id"))
    buyers = len(per_member)
    repeat = sum(1 for row in per_member if row["n"] >= 2)
    assert 0.55 <= repeat / buyers <= 0.72
    assert sum(1 for row in per_member if row["n"] == 1) / buyers >= 0.2


def test_returns_and_cancellations_in_their_proportions(shop):
    statuses = Counter(Order.objects.values_list("status", flat=True))
    total = sum(statuses.values())
    assert 0.015 <= statuses["returned"] / total <= 0.05
    assert 0.008 <= statuses["cancelled"] / total <= 0.035


def test_order_totals_equal_the_sum_of_their_lines(shop):
    line_sums = Counter()
    for order_id, quantity, unit_price in OrderLine.objects.values_list("order_id", "quantity", "unit_price"):
        line_sums[order_id] += quantity * unit_price
    totals = dict(Order.objects.values_list("id", "total"))
    assert totals and all(totals[order_id] == line_sums[order_id] for order_id in totals)


def test_history_ends_at_as_of_and_spans_two_years(shop):
    zone = ZoneInfo("Europe/Moscow")
    days = [created.astimezone(zone).date() for created in Order.objects.values_list("created_at", flat=True)]
    assert max(days) <= AS_OF
    assert (AS_OF - min(days)).days >= 700


def test_open_hours_are_mostly_daytime_with_a_group_of_night_readers(shop):
    local_hours = Counter()
    night_opens = Counter()
    opens = Counter()
    for member_id, occurred_at, zone in EngagementEvent.objects.filter(kind="open").values_list(
        "member_id", "occurred_at", "member__timezone"
    ):
        hour = occurred_at.astimezone(ZoneInfo(zone)).hour
        local_hours[hour] += 1
        opens[member_id] += 1
        night_opens[member_id] += hour >= 23 or hour < 5
    total = sum(local_hours.values())
    daytime = sum(count for hour, count in local_hours.items() if 6 <= hour < 23)
    assert daytime / total >= 0.8
    night_readers = [m for m in opens if night_opens[m] * 2 >= opens[m]]
    assert 0.05 <= len(night_readers) / len(opens) <= 0.25


def test_every_granted_marketing_consent_has_its_proof(shop):
    for purpose in ("email", "sms", "push", "personal_data"):
        without_proof = Member.objects.filter(**{f"{purpose}_consent": True}).exclude(
            consent_records__purpose=purpose, consent_records__granted=True
        )
        assert not without_proof.exists(), purpose
    assert ConsentRecord.objects.filter(purpose="email").count() == Member.objects.filter(email_consent=True).count()


def test_zero_party_attributes_are_filled_for_a_share_of_members(shop):
    with_children = Member.objects.filter(attributes__has_children=True).count()
    with_pets = Member.objects.filter(Q(attributes__pets__contains="cat") | Q(attributes__pets__contains="dog")).count() \
        if connection.vendor == "postgresql" else sum("cat" in (a.get("pets") or []) or "dog" in (a.get("pets") or [])
                                                     for a in Member.objects.values_list("attributes", flat=True))
    assert 0.15 <= with_children / 600 <= 0.45
    assert with_pets > 0


def test_same_seed_gives_the_same_shop():
    def fingerprint():
        return sorted(Order.objects.values_list("member__email", "created_at", "status", "total"))

    demo_data_generate(members=80, seed=3, as_of=AS_OF)
    first = [(email.split("@")[0].lstrip("member"), *rest) for email, *rest in fingerprint()]
    OrderLine.objects.all().delete()
    Order.objects.all().delete()
    EngagementEvent.objects.all().delete()
    ConsentRecord.objects.all().delete()
    Member.objects.all().delete()
    demo_data_generate(members=80, seed=3, as_of=AS_OF)
    second = [(email.split("@")[0].lstrip("member"), *rest) for email, *rest in fingerprint()]
    # Member ids continue after the deleted ones, so compare everything but the id-derived email.
    assert [row[1:] for row in first] == [row[1:] for row in second]


def test_if_empty_does_nothing_when_members_exist(capsys):
    call_command("generate_demo_data", "--members", "20", "--seed", "1", "--if-empty")
    call_command("generate_demo_data", "--members", "20", "--seed", "1", "--if-empty")
    assert Member.objects.count() == 20
    assert "already exist" in capsys.readouterr().out


@pytest.mark.postgres
def test_bulk_load_restores_every_index_and_constraint(monkeypatch):
    from loyalty.demo_shop import service

    def catalogue_state():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE ANY(ARRAY['customers_%%','loyalty_%%'])")
            indexes = sorted(row[0] for row in cursor.fetchall())
            cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid::regclass::text LIKE ANY(ARRAY['customers_%%','loyalty_%%'])")
            return indexes, sorted(row[0] for row in cursor.fetchall())

    before = catalogue_state()
    monkeypatch.setattr(service, "BULK_LOAD_THRESHOLD", 1)
    demo_data_generate(members=50, seed=2, as_of=AS_OF)
    assert catalogue_state() == before
    assert Member.objects.count() == 50
