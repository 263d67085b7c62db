"""An ESP's history imported on the first day feeds engagement conditions and the open-hour statistics at once."""
import datetime as dt
import io

import pytest
from django.core.management import call_command

from customers.tests.factories import MemberFactory
from segments.models import MemberStats
from segments.rules import CompileContext, rules_validate
from segments.selectors import rules_members
from segments.stats import member_stats_refresh

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def import_engagement(tmp_path, *rows):
    path = tmp_path / "engagement.csv"
    path.write_text("\n".join(["member_external_id,kind,occurred_at,channel,campaign,url", *rows]) + "\n",
                    encoding="utf-8")
    call_command("import_engagement", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def select(leaf):
    rules = rules_validate(leaf)
    return set(rules_members(rules, context=CompileContext(as_of=AS_OF)).values_list("pk", flat=True))


def test_imported_night_opens_make_a_night_reader_segment_and_a_best_hour(tmp_path):
    # given a Novosibirsk member (UTC+7) who opens after 23:00 local time, and a daytime reader, in the ESP's export
    night = MemberFactory(external_id="N1", timezone="Asia/Novosibirsk")
    day = MemberFactory(external_id="D1", timezone="Europe/Moscow")
    import_engagement(
        tmp_path,
        # 23:30 Novosibirsk is 16:30 UTC; three nights and one lunchtime open
        *[f"N1,open,2026-06-{day_of_month}T16:30:00+00:00,email,Лето,"
          for day_of_month in (20, 21, 22)],
        "N1,open,2026-06-23T05:00:00+00:00,email,Лето,",  # 12:00 local
        *[f"D1,open,2026-06-{day_of_month}T10:00:00+03:00,email,Лето,"
          for day_of_month in (20, 21, 22)],
        "D1,sent,2026-06-20T09:00:00+03:00,email,Лето,",
    )
    # when the segment builder evaluates "opens emails after 23:00" over the last 30 days
    members = select({"type": "opened_emails", "within_days": 30, "min_count": 3, "night_only": True})
    # then
    assert members == {night.pk}
    assert select({"type": "opened_emails", "within_days": 30, "min_count": 3}) == {night.pk, day.pk}

    # when the statistics refresh runs
    member_stats_refresh(as_of=AS_OF)
    # then the open hours come from the imported history
    night_stats, day_stats = MemberStats.objects.get(member=night), MemberStats.objects.get(member=day)
    assert (night_stats.email_opens_count, night_stats.night_open_share, night_stats.top_open_hour) == (4, 0.75, 23)
    assert (day_stats.email_opens_count, day_stats.night_open_share, day_stats.top_open_hour) == (3, 0, 10)
