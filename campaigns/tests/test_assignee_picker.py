"""The manager-task assignee picker works for a marketer with campaign permissions only (no auth.view_user),
and gives staff names, nothing more."""
import pytest
from django.contrib.auth.models import Permission, User

pytestmark = pytest.mark.django_db


def picker(client, term=""):
    return client.get("/admin/campaigns/managertask/staff-autocomplete/", {
        "term": term, "app_label": "campaigns", "model_name": "managertask", "field_name": "assignee"})


def test_a_marketer_without_view_user_picks_staff_by_name(client):
    # given a marketer allowed to change tasks but not to view users, a staff manager and a member-only user
    marketer = User.objects.create_user("marketer", password="pw", is_staff=True)
    marketer.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_managertask", "change_managertask"]))
    User.objects.create_user("olga", first_name="Ольга", last_name="Петрова", email="olga@shop.ru", is_staff=True)
    User.objects.create_user("outsider", first_name="Ольга", last_name="Чужая", is_staff=False)
    client.force_login(marketer)
    # when they search the picker
    response = picker(client, "Ольга")
    # then they get the staff manager by name only
    assert response.status_code == 200, response.content
    assert [r["text"] for r in response.json()["results"]] == ["Ольга Петрова"]
    assert "olga@shop.ru" not in response.content.decode()


def test_staff_without_campaign_permissions_are_refused(client):
    clerk = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert picker(client).status_code == 403


def test_the_task_form_uses_the_staff_picker(admin_client):
    page = admin_client.get("/admin/campaigns/managertask/add/").content.decode()
    assert "/admin/campaigns/managertask/staff-autocomplete/" in page
