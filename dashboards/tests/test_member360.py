"""Member 360: every section on one staff page, a bounded number of queries, and a timeline that pages."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import ManagerTask, Review
from campaigns.tests.factories import CampaignFactory, CampaignMessageFactory, EntryFactory
from customers.models import ConsentRecord
from customers.tests.factories import MemberFactory
from dashboards.member360.timeline import member_360_timeline
from lifecycle.models import LifecycleStage, MemberLifecycle, StageTransition
from loyalty.models import Coupon, LedgerEntry, MemberAccount
from loyalty.tests.factories import CouponTemplateFactory, OrderFactory, ProductFactory, TierFactory
from segments.models import MemberStats, Segment, SegmentMembership, SegmentMembershipChange

NOW = dt.datetime(2026, 6, 30, 9, 0, tzinfo=dt.UTC)
SECRET = "Your code is 918273"


def url(member, **query):
    from urllib.parse import urlencode

    return reverse("member-360", args=[member.pk]) + (f"?{urlencode(query)}" if query else "")


def history(member, *, times=1, start=NOW):
    """`times` events of every timeline source for the member, an hour apart going back from `start`."""
    stage, _ = LifecycleStage.objects.get_or_create(  # its own: transactional tests flush the seeded stages
        slug="m360-trigger", defaults={"name": "Новый", "min_orders": 1, "entry_day": 0, "position": 80})
    campaign = CampaignFactory(name="Возвращение", stage=stage)
    template = CouponTemplateFactory(name="Скидка 300")
    product = ProductFactory(name="Кофемолка")
    for n in range(times):
        at = start - dt.timedelta(hours=n)
        order = OrderFactory(member=member, created_at=at, total=Decimal("2499.50"), external_id=f"ORD-{member.pk}-{start:%Y%m%d%H}-{n}")
        LedgerEntry.objects.create(member=member, kind="earn", points=125, created_at=at, order=order)
        entry = EntryFactory(campaign=campaign, member=member, triggered_at=at, occurrence=f"o{n}")
        message = CampaignMessageFactory(entry=entry, member=member, subject="Мы скучаем", body=SECRET,
                                         status="delivered")
        Coupon.objects.create(template=template, member=member, source="staff", issued_at=at,
                              expires_at=at + dt.timedelta(days=30))
        Review.objects.create(member=member, order=order, product=product, rating=4, text="Хорошо")
        ManagerTask.objects.create(member=member, campaign=campaign, title="Позвонить клиенту",
                                   due_on=at.date() + dt.timedelta(days=3))
        # auto_now_add times: put them on the member's clock too
        type(message).objects.filter(pk=message.pk).update(created_at=at)
    Review.objects.filter(member=member).update(created_at=start)
    ManagerTask.objects.filter(member=member).update(created_at=start)


@pytest.fixture
def member_with_everything(db):
    return member_with_everything_create()


def member_with_everything_create():
    # given a member with a profile, consents, points, a stage, segments, scores and one of every event
    member = MemberFactory(first_name="Анна", last_name="Иванова", phone="+79990001122", city="Казань")
    ConsentRecord.objects.create(member=member, purpose="email", granted=True, occurred_at=NOW - dt.timedelta(days=90),
                                 method="checkbox", source="web")
    ConsentRecord.objects.create(member=member, purpose="email", granted=False, occurred_at=NOW - dt.timedelta(days=2),
                                 method="unsubscribe_link", source="письмо-42")
    MemberAccount.objects.create(member=member, tier=TierFactory(slug="gold", name="Золото"), available_points=1250,
                                 pending_points=340, debt_points=17)
    at_risk, lost = (LifecycleStage.objects.create(slug=f"s360-{n}", name=name, min_orders=1, entry_day=day,
                                                   position=90 + n)
                     for n, (name, day) in enumerate([("Под угрозой", 400), ("Потерян", 500)]))
    MemberLifecycle.objects.create(member=member, stage=lost, entered_at=NOW - dt.timedelta(days=1))
    StageTransition.objects.create(member=member, from_stage=None, to_stage=at_risk, occurred_on=dt.date(2026, 5, 1),
                                   completed_orders=7, days_since_last_purchase=401)
    StageTransition.objects.create(member=member, from_stage=at_risk, to_stage=lost, occurred_on=dt.date(2026, 6, 29),
                                   completed_orders=7, days_since_last_purchase=501)
    vip, sleepers = Segment.objects.create(slug="vip", name="VIP-клиенты"), Segment.objects.create(slug="sl", name="Спящие")
    SegmentMembership.objects.create(segment=vip, member=member, since=NOW - dt.timedelta(days=10))
    SegmentMembershipChange.objects.create(segment=vip, member=member, kind="entered", version=1,
                                           occurred_at=NOW - dt.timedelta(days=10))
    SegmentMembershipChange.objects.create(segment=sleepers, member=member, kind="entered", version=1,
                                           occurred_at=NOW - dt.timedelta(days=40))
    SegmentMembershipChange.objects.create(segment=sleepers, member=member, kind="left", version=2,
                                           occurred_at=NOW - dt.timedelta(days=20))
    MemberStats.objects.create(member=member, orders_count=7, total_spent=Decimal("17496.50"),
                               predicted_clv=Decimal("105433.83"), prob_alive=0.87, spend_trend="declining",
                               rfm_code="545", rfm_segment="Чемпионы")
    history(member)
    return member


def test_the_page_shows_every_section_of_the_members_story(admin_client, member_with_everything):
    member = member_with_everything

    # when staff open the member's 360 page (in Russian, the shop's language)
    response = admin_client.get(url(member))

    # then every section is there
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["Анна Иванова", "+7 999 000-11-22", "Казань",  # profile
                 "письмо-42",  # the latest proof of the email consent (the withdrawal, not the older grant)
                 "Золото", "1250", "340", "17",  # tier and balances
                 "Потерян", "Под угрозой → Потерян", "501",  # stage, history and the why
                 "VIP-клиенты", "Спящие",  # segments
                 "105\xa0433,83\xa0₽", "87 %", "545", "Чемпионы",  # CLV and scores, money in Russian
                 "ORD-", "2\xa0499,50\xa0₽",  # an order
                 "+125",  # points
                 "Мы скучаем",  # a message, with its delivery status
                 "Скидка 300", "★★★★", "Позвонить клиенту", "Возвращение"]:  # coupon, review, task, campaign
        assert text in page, text
    assert "checkbox" not in page.split("m360-consents")[1].split("m360-lifecycle")[0]
    # and a message's body never is
    assert SECRET not in page
    # times are the shop's (Moscow, UTC+3): the order of 09:00 UTC shows at 12:00
    assert "30.06.2026 12:00" in page


def test_the_page_is_linked_from_the_member_list_and_change_page(admin_client, member_with_everything):
    member = member_with_everything
    link = url(member)

    assert link in admin_client.get(reverse("admin:customers_member_changelist")).content.decode()
    assert link in admin_client.get(reverse("admin:customers_member_change", args=[member.pk])).content.decode()


def test_staff_without_the_member_view_permission_are_refused(client, django_user_model, member_with_everything):
    # given a staff user who may not view members, and one who may
    refused = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    allowed = django_user_model.objects.create_user("support", password="x", is_staff=True)
    allowed.user_permissions.add(Permission.objects.get(codename="view_member"))

    client.force_login(refused)
    assert client.get(url(member_with_everything)).status_code == 403
    client.force_login(allowed)
    assert client.get(url(member_with_everything)).status_code == 200
    client.logout()
    assert client.get(url(member_with_everything)).status_code == 302  # to the admin's sign-in


def test_an_unknown_member_is_a_404(admin_client, db):
    assert admin_client.get(reverse("member-360", args=[987654])).status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_members_history(admin_client, db):
    # given a member with one event of each kind and one with forty of each
    small, large = MemberFactory(), MemberFactory()
    history(small, times=1)
    history(large, times=40)
    MemberAccount.objects.create(member=small)
    MemberAccount.objects.create(member=large)

    # when staff open both pages
    counts = []
    for member in (small, large):
        admin_client.get(url(member))  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url(member))
        assert response.status_code == 200
        counts.append(len(queries))

    # then both take the same, small number of queries, each LIMITed
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20
    timeline_selects = [q["sql"] for q in queries.captured_queries
                        if "LIMIT" in q["sql"] and "ORDER BY" in q["sql"]]
    assert len(timeline_selects) >= 9  # seven timeline sources, stage history, segments


def test_show_more_walks_the_whole_history_once_newest_first_even_with_equal_times(db):
    # given events of every source, several at exactly the same moment
    member = MemberFactory()
    history(member, times=6)
    history(member, times=3, start=NOW - dt.timedelta(hours=2))  # times shared with the first batch
    expected = 6 * 7 + 3 * 7

    # when the timeline is read five events at a time, following the cursor
    seen, before = [], None
    while True:
        events, before = member_360_timeline(member, before=before, page_size=5)
        seen.extend(events)
        if before is None:
            break

    # then every event comes once, newest first
    keys = [(e.source, e.pk) for e in seen]
    assert len(keys) == len(set(keys)) == expected
    assert [e.at for e in seen] == sorted((e.at for e in seen), reverse=True)


def test_show_more_returns_the_next_rows_and_cursor(admin_client, db):
    member = MemberFactory()
    history(member, times=10)  # 70 events, pages of 25

    first = admin_client.get(url(member)).content.decode()
    cursor = first.split('data-next="')[1].split('"')[0].replace("&#x27;", "'")
    more = admin_client.get(url(member, fragment="timeline", before=cursor))

    assert more.status_code == 200
    assert more.content.decode().count('<tr class="event') == 25
    assert more["X-Next-Cursor"]
    # a malformed cursor is the first page, not an error
    assert admin_client.get(url(member, before="yesterday~x")).status_code == 200


def test_a_member_with_no_history_gets_a_page_too(admin_client, db):
    member = MemberFactory()
    response = admin_client.get(url(member))
    assert response.status_code == 200
    assert "Nothing has happened yet" in response.content.decode() or "Пока ничего" in response.content.decode()
