import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from customers.models import Member
from customers.tests.factories import MemberFactory
from loyalty.admin.members import LATEST_LEDGER_ENTRIES
from loyalty.models import Category, Coupon, LedgerEntry, MemberMerge
from loyalty.selectors import member_balance
from loyalty.services import points_award_bonus
from loyalty.services.catalogue import categories_ensure
from loyalty.tests.factories import CouponTemplateFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:customers_member_changelist"


def test_member_page_shows_the_ledger_read_only(admin_client):
    member = MemberFactory()
    points_award_bonus(member=member, points=77, reason="Welcome gift", cause_key="w")
    page = admin_client.get(reverse("admin:customers_member_change", args=[member.pk])).content.decode()
    assert "Welcome gift" in page and "Журнал баллов" in page


def test_member_page_shows_the_latest_ledger_entries_and_links_to_all_of_them(admin_client):
    # given a member with more entries than the page shows
    member = MemberFactory()
    for n in range(LATEST_LEDGER_ENTRIES + 5):
        points_award_bonus(member=member, points=1, reason=f"Gift {n:03d}", cause_key=f"gift-{n}")
    # when staff open the member
    page = admin_client.get(reverse("admin:customers_member_change", args=[member.pk])).content.decode()
    # then the newest entries are there, the oldest are not, and a link leads to the whole ledger
    assert f"Gift {LATEST_LEDGER_ENTRIES + 4:03d}" in page and "Gift 004" not in page
    full = reverse("admin:loyalty_ledgerentry_changelist") + f"?member__id__exact={member.pk}"
    assert full in page
    assert admin_client.get(full).context["cl"].result_count == LATEST_LEDGER_ENTRIES + 5


def test_member_page_shows_the_members_own_latest_entries_when_others_have_newer_ones(admin_client):
    # given a member with 12 entries, and another member whose 60 entries are all newer
    member, busy = MemberFactory(), MemberFactory()
    for n in range(12):
        points_award_bonus(member=member, points=1, reason=f"Own {n:02d}", cause_key=f"own-{n}")
    for n in range(LATEST_LEDGER_ENTRIES + 10):
        points_award_bonus(member=busy, points=1, reason=f"Other {n:02d}", cause_key=f"other-{n}")

    # when staff open the first member
    response = admin_client.get(reverse("admin:customers_member_change", args=[member.pk]))

    # then the inline lists all 12 of the member's entries (it showed none: the latest 50 were taken over
    # every member's entries before the formset narrowed them to this member)
    ledger = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is LedgerEntry)
    assert len(ledger.formset.forms) == 12
    page = response.content.decode()
    assert "Own 00" in page and "Own 11" in page and "Other" not in page


def test_adjust_points_action_asks_then_goes_through_the_service(admin_client, admin_user):
    member = MemberFactory()
    data = {"action": "adjust_points", ACTION_CHECKBOX_NAME: [member.pk]}
    # when staff pick the action, a form asks for points and a reason
    response = admin_client.post(reverse(CHANGELIST), data)
    assert response.status_code == 200 and "reason" in response.content.decode()
    # when they submit it
    admin_client.post(reverse(CHANGELIST), {**data, "apply": "1", "points": "150", "reason": "Complaint 42"})
    # then an adjustment entry by that staff user exists
    entry = LedgerEntry.objects.get(member=member)
    assert (entry.kind, entry.points, entry.staff_user, entry.reason) == ("adjust", 150, admin_user, "Complaint 42")
    assert member_balance(member=member).available == 150


def test_issue_coupon_action(admin_client):
    template = CouponTemplateFactory()
    members = MemberFactory.create_batch(2)
    admin_client.post(reverse(CHANGELIST), {"action": "issue_coupon", ACTION_CHECKBOX_NAME: [m.pk for m in members],
                                            "apply": "1", "template": template.pk})
    assert Coupon.objects.filter(template=template, source="staff").count() == 2


def test_merge_action_merges_two_members_into_the_chosen_survivor(admin_client):
    keep, drop = MemberFactory(), MemberFactory()
    data = {"action": "merge_members", ACTION_CHECKBOX_NAME: [keep.pk, drop.pk]}
    assert "Отменить это нельзя" in admin_client.post(reverse(CHANGELIST), data).content.decode()
    admin_client.post(reverse(CHANGELIST), {**data, "apply": "1", "survivor": str(keep.pk)})
    assert not Member.objects.filter(pk=drop.pk).exists()
    assert MemberMerge.objects.get().survivor == keep


def test_coupon_search_by_code(admin_client):
    coupon = Coupon.objects.create(code="ABCDEFGH2345", template=CouponTemplateFactory(), source="staff",
                                   issued_at="2026-01-01T00:00Z", expires_at="2027-01-01T00:00Z")
    page = admin_client.get(reverse("admin:loyalty_coupon_changelist"), {"q": coupon.code.lower()}).content.decode()
    assert coupon.code in page


def test_moving_a_category_in_the_admin_moves_its_subtree_and_a_cycle_is_a_form_error(admin_client):
    # given Дети/Игрушки/Мячи and a root Спорт
    ids, _ = categories_ensure(["Дети/Игрушки/Мячи", "Спорт"])
    url = reverse("admin:loyalty_category_change", args=[ids["Дети/Игрушки"]])
    # when staff put Игрушки under Мячи (its own child)
    response = admin_client.post(url, {"name": "Игрушки", "parent": ids["Дети/Игрушки/Мячи"]})
    # then the form says why and nothing moved
    assert response.status_code == 200 and "outside this one&#x27;s subtree" in response.content.decode()
    assert Category.objects.get(pk=ids["Дети/Игрушки"]).path == "Дети/Игрушки"
    # when they move it under Спорт
    response = admin_client.post(url, {"name": "Игрушки", "parent": ids["Спорт"]})
    # then the subtree follows
    assert response.status_code == 302
    assert Category.objects.get(pk=ids["Дети/Игрушки/Мячи"]).path == "Спорт/Игрушки/Мячи"


def test_money_columns_show_the_currency_and_russian_grouping_and_still_sort(admin_client):
    # given two orders, a spend tier and a points tier, a fixed and a percent coupon
    from decimal import Decimal

    from loyalty.tests.factories import OrderFactory, TierFactory

    OrderFactory(total=Decimal("1234.50"))
    OrderFactory(total=Decimal("99.00"))
    TierFactory(slug="gold", qualify_by="spend", threshold=Decimal("15000"))
    TierFactory(slug="points", qualify_by="points", threshold=Decimal("2500"))
    CouponTemplateFactory(name="Fixed", discount_kind="fixed", discount_value=Decimal("500"),
                          min_order_total=Decimal("3000"))
    CouponTemplateFactory(name="Percent", discount_kind="percent", discount_value=Decimal("10"))
    # when staff open the lists in Russian
    orders = admin_client.get(reverse("admin:loyalty_order_changelist"), HTTP_ACCEPT_LANGUAGE="ru")
    tiers = admin_client.get(reverse("admin:loyalty_tier_changelist"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    coupons = admin_client.get(reverse("admin:loyalty_coupontemplate_changelist"),
                               HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then amounts read as money, points and percents do not
    assert "1\xa0234,50\xa0₽" in orders.content.decode() and "1234.50" not in orders.content.decode()
    assert "15\xa0000,00\xa0₽" in tiers and "2\xa0500<" in tiers
    assert "500,00\xa0₽" in coupons and "3\xa0000,00\xa0₽" in coupons and "10\xa0%" in coupons
    # and the money column still sorts by the amount, both ways
    column = orders.context["cl"].list_display.index("total_money")
    for order, expected in (("", [Decimal("99.00"), Decimal("1234.50")]), ("-", [Decimal("1234.50"), Decimal("99.00")])):
        listed = admin_client.get(reverse("admin:loyalty_order_changelist"), {"o": f"{order}{column}"})
        assert [o.total for o in listed.context["cl"].result_list] == expected
