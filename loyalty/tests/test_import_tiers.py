import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from core.timezones import shop_today
from customers.tests.factories import MemberFactory
from loyalty.models import MemberAccount, ProgrammeSettings, TierHistory
from loyalty.services import tiers_review
from loyalty.tests.factories import TierFactory

pytestmark = pytest.mark.django_db

HEADER = "member_external_id,tier,valid_until"


@pytest.fixture
def tiers():
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"tier_window_days": 365, "tier_grace_days": 30})
    return {
        "bronze": TierFactory(slug="bronze", rank=1, threshold=Decimal("0")),
        "gold": TierFactory(slug="gold", rank=3, threshold=Decimal("30000")),
    }


def write(tmp_path, *lines):
    path = tmp_path / "tiers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_tiers", str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def account(member):
    return MemberAccount.objects.select_related("tier").get(member=member)


def test_tiers_are_assigned_with_their_valid_until_day_and_recorded(tmp_path, tiers):
    # given two members without any spend here
    anna, boris = MemberFactory(external_id="C1"), MemberFactory(external_id="C2")
    until = shop_today() + dt.timedelta(days=60)
    # when
    out, _, error = run(write(tmp_path, HEADER, f"C1,gold,{until.isoformat()}", "C2,bronze,"))
    # then
    assert error is None and "updated 2" in out
    assert (account(anna).tier.slug, account(anna).tier_valid_until) == ("gold", until)
    assert (account(boris).tier.slug, account(boris).tier_valid_until) == ("bronze", None)
    assert TierHistory.objects.get(member=anna).reason == "Carried over from the previous programme"


def test_reimporting_the_file_changes_nothing(tmp_path, tiers):
    # given a file imported once
    anna = MemberFactory(external_id="C1")
    path = write(tmp_path, HEADER, "C1,gold,2030-01-31")
    run(path)
    # when
    out, _, error = run(path)
    # then
    assert error is None and "updated 0, unchanged 1" in out
    assert TierHistory.objects.filter(member=anna).count() == 1


def test_the_review_keeps_a_carried_over_tier_until_its_date_then_downgrades_at_once(tmp_path, tiers):
    # given a gold member of the old programme, valid for ten more days, with no spend here
    anna = MemberFactory(external_id="C1")
    until = shop_today() + dt.timedelta(days=10)
    run(write(tmp_path, HEADER, f"C1,gold,{until.isoformat()}"))
    # when the review runs on every day up to the valid-until day
    for day in (shop_today(), until):
        tiers_review(as_of=day)
        # then the tier is kept and no grace period starts
        assert (account(anna).tier.slug, account(anna).tier_below_since) == ("gold", None)
    # when the review runs the day after
    counts = tiers_review(as_of=until + dt.timedelta(days=1))
    # then the member is downgraded at once to what they qualify for
    assert counts["downgraded"] == 1
    assert (account(anna).tier.slug, account(anna).tier_valid_until) == ("bronze", None)


def test_without_a_date_the_usual_grace_period_applies(tmp_path, tiers):
    # given a gold member carried over without a valid-until day
    anna = MemberFactory(external_id="C1")
    run(write(tmp_path, HEADER, "C1,gold,"))
    # when the review runs
    counts = tiers_review(as_of=shop_today())
    # then the grace period starts instead of a downgrade
    assert counts["grace_started"] == 1
    assert (account(anna).tier.slug, account(anna).tier_below_since) == ("gold", shop_today())


def test_bad_rows_are_reported_by_line_and_column(tmp_path, tiers):
    # given an unknown member, an unknown tier, a bad date and a member twice
    anna = MemberFactory(external_id="C1")
    MemberFactory(external_id="C2")
    path = write(tmp_path, HEADER, "C1,gold,", "NOPE,gold,", "C2,platinum,", "C2,gold,31/12/2030", "C1,bronze,")
    # when
    _, err, error = run(path)
    # then
    assert error is not None and "4 rows were rejected" in str(error)
    assert "строка 3, столбец member_external_id: Неизвестный клиент" in err
    assert "строка 4, столбец tier: Неизвестный уровень; допустимы: bronze, gold." in err
    assert "строка 5, столбец valid_until: Это не дата" in err
    assert "строка 6, столбец member_external_id: Повторяет строку 2." in err
    assert account(anna).tier.slug == "gold"
