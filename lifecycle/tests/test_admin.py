import pytest
from django.urls import reverse

from lifecycle.models import LifecycleStage
from lifecycle.services import lifecycle_recompute
from lifecycle.tests.test_services import buyer

pytestmark = pytest.mark.django_db


def _form_data(stage, **changes):
    data = {field: getattr(stage, field) for field in [
        "slug", "name", "min_orders", "entry_day", "conversion_window_days", "action_window_start_days",
        "action_window_end_days", "description"]}
    data["max_orders"] = stage.max_orders or ""
    data.update(changes)
    return data


def test_changing_a_threshold_shows_the_dry_run_before_saving(admin_client):
    # given two members in "new" today (12 and 14 days since their purchase)
    from core.timezones import shop_today

    buyer(1, 12, as_of=shop_today())
    buyer(1, 14, as_of=shop_today())
    lifecycle_recompute()
    stage = LifecycleStage.objects.get(slug="new")
    url = reverse("admin:lifecycle_lifecyclestage_change", args=[stage.pk])
    # when staff raise the entry day to 13
    response = admin_client.post(url, _form_data(stage, entry_day=13))
    # then they see who would move, and nothing is saved yet
    assert response.status_code == 200
    assert "would move <strong>1</strong> members" in response.content.decode()
    assert LifecycleStage.objects.get(pk=stage.pk).entry_day == 10
    # when they confirm
    response = admin_client.post(url, {**_form_data(stage, entry_day=13), "_confirm_thresholds": "1"})
    # then it is saved
    assert response.status_code == 302
    assert LifecycleStage.objects.get(pk=stage.pk).entry_day == 13


def test_editing_only_the_description_saves_without_a_dry_run(admin_client):
    stage = LifecycleStage.objects.get(slug="loyal")
    url = reverse("admin:lifecycle_lifecyclestage_change", args=[stage.pk])
    response = admin_client.post(url, _form_data(stage, description="Call them."))
    assert response.status_code == 302
    assert LifecycleStage.objects.get(pk=stage.pk).description == "Call them."


def test_stage_list_shows_members_per_stage_and_transitions_per_day(admin_client):
    from core.timezones import shop_today

    buyer(3, 20, as_of=shop_today())
    lifecycle_recompute()
    page = admin_client.get(reverse("admin:lifecycle_lifecyclestage_changelist")).content.decode()
    assert "Members per stage now" in page and "<td>Loyal</td><td>1</td>" in page
    assert "<td>loyal</td><td>1</td>" in page  # today's transitions, by target stage
