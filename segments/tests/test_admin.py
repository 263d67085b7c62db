import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.tests.factories import MemberFactory
from loyalty.tests.factories import OrderFactory
from segments.models import Segment
from segments.stats import member_stats_refresh

pytestmark = pytest.mark.django_db
WOMEN = {"type": "group", "op": "and", "children": [{"type": "member_field", "field": "gender", "op": "eq", "value": "f"}]}


def test_preview_counts_and_samples_unsaved_rules(admin_client):
    anna = MemberFactory(gender="f", first_name="Anna")
    MemberFactory(gender="m")
    response = admin_client.post(reverse("admin:segments_segment_preview"), json.dumps(WOMEN),
                                 content_type="application/json")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["sample"][0]["external_id"] == anna.external_id


def test_preview_explains_invalid_rules(admin_client):
    bad = {"type": "group", "op": "and", "children": [{"type": "stat", "field": "orders_count", "op": "gte"}]}
    response = admin_client.post(reverse("admin:segments_segment_preview"), json.dumps(bad),
                                 content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["problems"] == [{"path": "rules.children[0].value", "message": "заполните это поле"}]


def test_preview_is_for_staff_only(client):
    response = client.post(reverse("admin:segments_segment_preview"), json.dumps(WOMEN), content_type="application/json")
    assert response.status_code == 302


def test_the_form_renders_the_builder_and_saves_its_tree(admin_client):
    page = admin_client.get(reverse("admin:segments_segment_add")).content.decode()
    assert "data-rule-builder" in page and "rule_builder.js" in page and '"type": "opened_emails"' in page
    response = admin_client.post(reverse("admin:segments_segment_add"), {
        "name": "Women", "slug": "women", "kind": "dynamic", "is_active": "on", "rules": json.dumps(WOMEN)})
    assert response.status_code == 302
    assert Segment.objects.get(slug="women").rules["children"][0]["value"] == "f"


def test_the_form_shows_rule_errors_instead_of_saving(admin_client):
    bad = {"type": "group", "op": "and", "children": [{"type": "member_field", "field": "password", "op": "eq", "value": "x"}]}
    response = admin_client.post(reverse("admin:segments_segment_add"), {
        "name": "Bad", "slug": "bad", "kind": "dynamic", "rules": json.dumps(bad)})
    assert response.status_code == 200
    page = response.content.decode()
    # the message names the condition in the builder's numbering, and the builder gets its path to mark it
    assert "Условие 1: нет среди предложенных значений: password" in page
    assert '[{"path": "rules.children[0].field", "message": "нет среди предложенных значений: password"}]' in page
    assert not Segment.objects.filter(slug="bad").exists()


def test_static_segment_upload_through_the_admin(admin_client):
    MemberFactory(external_id="A1")
    upload = SimpleUploadedFile("vip.csv", b"external_id\nA1\nNOPE\n", content_type="text/csv")
    admin_client.post(reverse("admin:segments_segment_add"), {
        "name": "VIP", "slug": "vip", "kind": "static", "rules": "{}", "upload": upload})
    segment = Segment.objects.get(slug="vip")
    assert segment.member_count == 1


def test_rfm_grid_shows_counts_per_cell(admin_client):
    member = MemberFactory()
    OrderFactory(member=member)
    member_stats_refresh()
    page = admin_client.get(reverse("admin:segments_rfm_grid")).content.decode()
    # then every cell counts its members, in Russian, and the cell with the buyer says so
    assert len(re.findall(r"\d+ участник\w*<br>", page)) == 25
    assert "1 участник<br>" in page


BUYERS = {"type": "group", "op": "and", "children": [{"type": "stat", "field": "orders_count", "op": "gte", "value": 1}]}


def preview(admin_client, rules):
    return admin_client.post(reverse("admin:segments_segment_preview"), json.dumps(rules),
                             content_type="application/json").json()


def test_preview_says_when_the_statistics_it_counts_on_were_never_computed(admin_client):
    # given a buyer whose statistics were never computed
    OrderFactory(member=MemberFactory())
    # when
    body = preview(admin_client, BUYERS)
    # then the count of 0 comes with the reason
    assert body["count"] == 0
    assert body["statistics"]["refreshed_at"] is None and body["statistics"]["members_without"] == 1
    assert "ещё не рассчитана" in body["statistics"]["message"]  # the admin speaks Russian first


def test_preview_says_when_the_statistics_are_older_than_a_day(admin_client):
    import datetime as dt

    from django.utils import timezone

    from segments.models import MemberStatsRefresh

    OrderFactory(member=MemberFactory())
    member_stats_refresh()
    MemberStatsRefresh.objects.update(finished_at=timezone.now() - dt.timedelta(hours=25))
    body = preview(admin_client, BUYERS)
    assert body["count"] == 1
    assert body["statistics"]["stale"] is True and "больше суток назад" in body["statistics"]["message"]


def test_preview_counts_members_without_statistics_after_a_fresh_refresh(admin_client):
    member_stats_refresh()
    MemberFactory()  # joined after the refresh
    body = preview(admin_client, BUYERS)
    assert body["statistics"]["stale"] is False and body["statistics"]["members_without"] == 1
    assert "У 1 участника ещё нет статистики" in body["statistics"]["message"]


def test_preview_with_fresh_statistics_or_without_a_statistics_condition_warns_of_nothing(admin_client):
    OrderFactory(member=MemberFactory(gender="f"))
    assert preview(admin_client, WOMEN)["statistics"] is None  # no condition reads statistics
    member_stats_refresh()
    body = preview(admin_client, {"type": "group", "op": "or", "negate": True, "children": [
        WOMEN, {"type": "rfm_segment", "values": ["Чемпионы"]}]})
    assert body["statistics"] is None


def test_preview_finds_a_statistics_condition_nested_in_groups(admin_client):
    OrderFactory(member=MemberFactory(gender="f"))
    nested = {"type": "group", "op": "and", "children": [WOMEN, {"type": "group", "op": "or", "children": [BUYERS]}]}
    assert preview(admin_client, nested)["statistics"]["members_without"] == 1


def test_a_saved_segment_links_to_its_members_and_exports_them(admin_client):
    # given a refreshed segment of women
    from segments.services import segment_refresh

    anna, _bob = MemberFactory(gender="f", external_id="ANNA"), MemberFactory(gender="m", external_id="BOB")
    segment = Segment.objects.create(slug="women", name="Женщины", rules=WOMEN)
    segment_refresh(segment=segment)
    # when staff open it
    page = admin_client.get(reverse("admin:segments_segment_change", args=[segment.pk])).content.decode()
    # then it links to the members' list filtered by the segment, and to a CSV export
    members_url = f"{reverse('admin:customers_member_changelist')}?segment=women"
    assert members_url in page and "1 участник" in page
    listed = admin_client.get(members_url).content.decode()
    assert "ANNA" in listed and "BOB" not in listed
    assert "Женщины" in listed  # the filter lists segments by name
    export = admin_client.get(reverse("admin:segments_segment_export", args=[segment.pk]))
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert export["Content-Type"].startswith("text/csv")
    assert rows[0].startswith("external_id,") and [row.split(",")[0] for row in rows[1:]] == [anna.external_id]


def test_the_export_needs_staff_who_may_see_members(client, django_user_model):
    segment = Segment.objects.create(slug="women", name="Women", rules=WOMEN)
    url = reverse("admin:segments_segment_export", args=[segment.pk])
    assert client.get(url).status_code == 302  # not signed in
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_segment"))
    client.force_login(clerk)
    assert client.get(url).status_code == 403


def test_preview_of_conditions_compiled_to_subqueries_counts_them(admin_client):
    # "opened at least once" compiles to EXISTS, an expression rather than a field lookup
    from customers.tests.factories import EngagementEventFactory

    EngagementEventFactory(member=MemberFactory())
    body = preview(admin_client, {"type": "group", "op": "and", "children": [
        {"type": "opened_emails", "within_days": 30, "min_count": 1}]})
    assert body["count"] == 1 and body["statistics"] is None


def test_member_statistics_show_money_with_the_currency_and_sort_by_the_amount(admin_client):
    # given two members' statistics
    from decimal import Decimal

    from segments.models import MemberStats

    MemberStats.objects.create(member=MemberFactory(), total_spent=Decimal("105433.83"), avg_order_value=Decimal("5000"),
                               predicted_clv=Decimal("20500.5"))
    MemberStats.objects.create(member=MemberFactory(), total_spent=Decimal("800"))
    # when staff open the list in Russian, sorted by total spent
    url = reverse("admin:segments_memberstats_changelist")
    column = admin_client.get(url).context["cl"].list_display.index("total_spent_money")
    response = admin_client.get(url, {"o": str(column)}, HTTP_ACCEPT_LANGUAGE="ru")
    page = response.content.decode()
    # then money reads as money and the rows are in the order of the amounts
    assert "105\xa0433,83\xa0₽" in page and "5\xa0000,00\xa0₽" in page and "20\xa0500,50\xa0₽" in page
    assert "105433,83" not in page
    assert [s.total_spent for s in response.context["cl"].result_list] == [Decimal("800"), Decimal("105433.83")]


def test_a_new_segment_explains_its_rules_to_a_marketer_and_shows_empty_values_as_a_dash(admin_client):
    # when a marketer opens a new segment in Russian
    page = admin_client.get(reverse("admin:segments_segment_add"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then the rules say who is in the segment (not "the condition tree built in the admin"), and the never
    # refreshed date is the same dash the product's own pages write
    assert "Кто входит в сегмент" in page and "в админке" not in page
    assert '<div class="readonly">—</div>' in page and '<div class="readonly">-</div>' not in page
