import pytest
from django.urls import reverse

from lifecycle.models import LifecycleStage
from lifecycle.selectors import STAGE_COLOURS
from lifecycle.services import lifecycle_recompute
from lifecycle.tests.test_services import buyer

pytestmark = pytest.mark.django_db


def _form_data(stage, **changes):
    data = {field: getattr(stage, field) for field in [
        "slug", "name", "min_orders", "entry_day", "conversion_window_days", "action_window_start_days",
        "action_window_end_days", "description", "position"]}
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
    transitions = admin_client.get(reverse("admin:lifecycle_lifecyclestage_transitions"))
    assert "Участников на каждом этапе сейчас" in page and "<td>Лояльные</td><td>1</td>" in page
    # today's moves, a column per stage in path order, drawn in the stages' colours
    stages, (day, counts) = transitions.context["stages"], transitions.context["days"][0]
    assert day == shop_today() and dict(zip(stages, counts))["Лояльные"] == 1 and sum(counts) == 1
    assert stages[:2] == ["Активные", "Новые"]
    assert transitions.context["chart"]["colours"][stages.index("Лояльные")] == STAGE_COLOURS["loyal"]
    assert 'id="transitions-chart"' in transitions.content.decode()


def test_a_stage_that_would_start_after_the_next_one_on_the_path_is_refused(admin_client):
    # given the seeded path Loyal (day 20) → At risk (day 56) → Lost (day 113)
    stage = LifecycleStage.objects.get(slug="at_risk")
    url = reverse("admin:lifecycle_lifecyclestage_change", args=[stage.pk])

    # when staff move At risk to day 120, after Lost
    response = admin_client.post(url, {**_form_data(stage, entry_day=120)})

    # then the form says why and nothing changes
    assert response.status_code == 200
    assert "Потерянные" in response.context["adminform"].form.errors["entry_day"][0]
    assert LifecycleStage.objects.get(pk=stage.pk).entry_day == 56


def test_a_day_inside_the_path_is_accepted_and_stages_of_other_buyers_do_not_interfere(admin_client):
    # given At risk between Loyal (20) and Lost (113); the one-order stages (New at 10 …) share no buyers with it
    stage = LifecycleStage.objects.get(slug="at_risk")
    url = reverse("admin:lifecycle_lifecyclestage_change", args=[stage.pk])

    # when it moves to day 75, the day Dormant starts for one- and two-order buyers
    response = admin_client.post(url, {**_form_data(stage, entry_day=75),
                                       "_confirm_thresholds": "1"})

    # then it is saved
    assert response.status_code == 302
    assert LifecycleStage.objects.get(pk=stage.pk).entry_day == 75


def test_the_stages_list_comes_first_and_transitions_have_their_own_page(admin_client):
    # when staff open the stages list and the transitions page
    stages_page = admin_client.get(reverse("admin:lifecycle_lifecyclestage_changelist")).content.decode()
    transitions = admin_client.get(reverse("admin:lifecycle_lifecyclestage_transitions"))

    # then the list is in path order and the per-day table is not on it
    names = ["Новые", "Перспективные", "Остывающие", "Спящие", "Лояльные", "Под угрозой", "Потерянные"]
    positions = [stages_page.index(f">{name}</a>") for name in names]
    assert positions == sorted(positions)
    assert reverse("admin:lifecycle_lifecyclestage_transitions") in stages_page
    assert transitions.status_code == 200


def test_the_stage_pages_call_a_stage_the_same_word_as_the_rest_of_the_product(admin_client):
    # given a day with moves between stages
    from core.timezones import shop_today

    buyer(3, 20, as_of=shop_today())
    lifecycle_recompute()
    # when staff read the stages list and the transitions page in Russian
    pages = [admin_client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="ru").content.decode().lower() for name in
             ("admin:lifecycle_lifecyclestage_changelist", "admin:lifecycle_lifecyclestage_transitions")]
    # then a stage is an «этап» everywhere, as in the model's own name, never a «стадия»
    for page in pages:
        assert "этап" in page and "стади" not in page
