"""The managers' queue in admin: phone and Member 360 link per task, staff-only assignee picker, due filter,
"Assign to me" and "Mark done" touching only open tasks, in Russian."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import ManagerTask
from campaigns.tests.factories import CampaignFactory
from core.timezones import shop_today
from customers.tests.factories import MemberFactory

CHANGELIST = "admin:campaigns_managertask_changelist"


def task(**fields):
    fields.setdefault("member", MemberFactory(phone="+79990001122", first_name="Анна", last_name="Петрова"))
    fields.setdefault("title", "Позвонить клиенту")
    fields.setdefault("due_on", shop_today())
    return ManagerTask.objects.create(**fields)


@pytest.mark.django_db
def test_the_list_shows_the_members_phone_as_dialled_and_links_to_their_360_page(admin_client):
    # given
    item = task(campaign=CampaignFactory(name="Возвращение"))
    # when
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    # then
    assert '<a href="tel:+79990001122">+7 999 000-11-22</a>' in page
    assert reverse("member-360", args=[item.member_id]) in page
    assert "Назначить мне" in page and "Телефон" in page


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_three_tasks_as_for_thirty(admin_client):
    # given
    for _ in range(3):
        task(campaign=CampaignFactory())
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse(CHANGELIST))
    for _ in range(27):
        task(campaign=CampaignFactory(), assignee=get_user_model().objects.create(
            username=f"m{ManagerTask.objects.count()}", is_staff=True))
    # when
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(reverse(CHANGELIST))
    # then
    assert response.status_code == 200
    assert len(many) <= len(few) + 2  # the assignee filter's choices, not one query per row


@pytest.mark.django_db
def test_assign_to_me_takes_the_open_tasks_and_leaves_closed_ones_with_their_manager(admin_client, admin_user):
    # given
    other = get_user_model().objects.create(username="olga", is_staff=True)
    open_task, in_progress = task(), task(status="in_progress", assignee=other)
    done = task(status="done", assignee=other)
    # when
    response = admin_client.post(reverse(CHANGELIST), {
        "action": "assign_to_me", "_selected_action": [open_task.pk, in_progress.pk, done.pk]}, follow=True)
    # then
    assert response.status_code == 200
    assert set(ManagerTask.objects.filter(assignee=admin_user).values_list("pk", flat=True)) == {
        open_task.pk, in_progress.pk}
    done.refresh_from_db()
    assert done.assignee == other
    assert "2 задачи теперь ваши" in response.content.decode()


@pytest.mark.django_db
def test_mark_done_closes_open_tasks_once(admin_client):
    # given
    open_task, cancelled = task(), task(status="cancelled")
    # when
    admin_client.post(reverse(CHANGELIST), {"action": "mark_done", "_selected_action": [open_task.pk, cancelled.pk]})
    # then
    open_task.refresh_from_db(), cancelled.refresh_from_db()
    assert open_task.status == "done" and open_task.done_at is not None
    assert cancelled.status == "cancelled" and cancelled.done_at is None


@pytest.mark.django_db
def test_the_overdue_filter_shows_late_open_tasks_only(admin_client):
    # given
    today = shop_today()
    late = task(title="Просрочена", due_on=today - dt.timedelta(days=2))
    task(title="Закрыта вовремя", due_on=today - dt.timedelta(days=2), status="done")
    task(title="На сегодня", due_on=today)
    # when
    response = admin_client.get(reverse(CHANGELIST), {"due": "overdue"})
    # then
    assert [t.pk for t in response.context["cl"].result_list] == [late.pk]
    assert 'class="overdue"' in response.content.decode()


@pytest.mark.django_db
def test_the_assignee_picker_searches_staff_only(admin_client):
    # given
    User = get_user_model()
    User.objects.create(username="manager.olga", first_name="Ольга", is_staff=True)
    User.objects.create(username="member.olga", first_name="Ольга", is_staff=False)
    # when
    response = admin_client.get(reverse("admin:autocomplete"), {
        "app_label": "campaigns", "model_name": "managertask", "field_name": "assignee", "term": "olga"})
    # then
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["manager.olga"]
