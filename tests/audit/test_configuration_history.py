"""Configuration history: an edit through the admin records who changed which field from what to what, and the
object's History page shows it. Secrets never reach the history tables; member-facing tables keep no history."""
import json

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils.text import capfirst

from campaigns.models import CampaignSettings, CampaignStep, WebhookSubscription
from campaigns.tests.factories import CampaignFactory, StepFactory, WebhookSubscriptionFactory
from core.models import ApiKey
from core.tests.factories import ApiKeyFactory
from lifecycle.models import LifecycleStage
from loyalty.models import ProgrammeSettings
from loyalty.tests.factories import CouponTemplateFactory, EarningRuleFactory, RewardFactory, TierFactory

pytestmark = pytest.mark.django_db

# (how to make one, the field staff change, its new value in the form, the value it reads back as)
CONFIGURATION = {
    "earning rule": (EarningRuleFactory, "points_per_unit", "3", "3.0000"),
    "tier": (TierFactory, "multiplier", "2.5", "2.50"),
    "programme settings": (ProgrammeSettings.load, "validity_days", "100", "100"),
    "coupon template": (CouponTemplateFactory, "discount_value", "150", "150.00"),
    "reward": (RewardFactory, "points_cost", "777", "777"),
    "campaign": (CampaignFactory, "holdout_percent", "20", "20"),
    "lifecycle stage": (lambda: LifecycleStage.objects.get(slug="new"), "conversion_window_days", "9", "9"),
    "send rules": (CampaignSettings.current, "max_per_day", "2", "2"),
    "api key": (ApiKeyFactory, "name", "Till 99", "Till 99"),
    "webhook subscription": (WebhookSubscriptionFactory, "url", "https://crm.example.com/hook",
                             "https://crm.example.com/hook"),
}


def _form_value(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value)


def _change_form_data(response) -> dict:
    """What the browser would post back unchanged: the form's and every inline's current values."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        management = formset.management_form
        data.update({management.add_prefix(name): _form_value(management[name]) for name in management.fields})
    for form in forms:
        for name in form.fields:
            value = _form_value(form[name])
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def _admin_edit(admin_client, obj, changes: dict):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    data = {**_change_form_data(admin_client.get(url)), **changes}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


@pytest.mark.parametrize("kind", CONFIGURATION)
def test_an_admin_edit_records_who_changed_which_field_before_and_after(admin_client, admin_user, kind):
    # given a configuration object as it was
    make, field, new_value, shown = CONFIGURATION[kind]
    obj = make()
    before = getattr(type(obj).objects.get(pk=obj.pk), field)
    # when staff change one field through its admin page
    history_url = _admin_edit(admin_client, obj, {field: new_value})
    # then the newest history row names the staff user and the field, with the old and new values
    latest = obj.history.order_by("-history_date", "-history_id").first()
    assert latest.history_type == "~" and latest.history_user == admin_user
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, str(c.old), str(c.new)) for c in delta.changes] == [(field, str(before), shown)]
    # and the object's History page shows the change
    page = admin_client.get(history_url).content.decode()
    label = capfirst(type(obj)._meta.get_field(field).verbose_name)
    assert f"<strong>{label}:</strong>" in page and admin_user.username in page


def test_a_campaign_step_edited_on_its_campaign_page_shows_in_the_campaign_history(admin_client, admin_user):
    # given a campaign with a message step
    step = StepFactory(body_template="Hello {{ first_name }}")
    campaign = step.campaign
    # when staff rewrite the step's text on the campaign's page
    history_url = _admin_edit(admin_client, campaign, {"steps-0-body_template": "Добрый день, {{ first_name }}"})
    # then the step's history names the staff user and the text before and after
    latest = step.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == admin_user
    assert [(c.field, c.old, c.new) for c in latest.diff_against(latest.prev_record).changes] == [
        ("body_template", "Hello {{ first_name }}", "Добрый день, {{ first_name }}")]
    # and the campaign's History page lists it
    page = admin_client.get(history_url).content.decode()
    assert "Добрый день, {{ first_name }}" in page and "step-history" in page
    assert CampaignStep.history.filter(campaign_id=campaign.pk).count() == 2


def test_revoking_a_key_in_the_admin_is_a_history_row_of_the_key(admin_client, admin_user):
    # given an active key
    key = ApiKeyFactory()
    # when staff revoke it with the list action
    admin_client.post(reverse("admin:core_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]})
    # then the key's history says who revoked it and when
    latest = key.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == admin_user and latest.revoked_at is not None
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["revoked_at"]


def test_history_is_read_only(admin_client):
    # given a rule with two versions
    rule = EarningRuleFactory(points_per_unit="1")
    _admin_edit(admin_client, rule, {"points_per_unit": "5"})
    first = rule.history.earliest("history_date")
    url = reverse("admin:loyalty_earningrule_simple_history", args=[rule.pk, first.history_id])
    # when staff open the old version they see it; when they post it back, nothing is restored
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": first.name, "kind": "base", "points_per_unit": "1"}).status_code == 403
    rule.refresh_from_db()
    assert str(rule.points_per_unit) == "5.0000"


def test_webhook_secrets_and_raw_api_keys_never_reach_the_history_tables(admin_client):
    # given a subscription and a key, both edited in the admin
    subscription = WebhookSubscriptionFactory()
    _admin_edit(admin_client, subscription, {"name": "CRM"})
    key = ApiKeyFactory()
    _admin_edit(admin_client, key, {"name": "Till 7"})
    # then no history column is named like a secret, and no history row holds the secret or the raw key
    history_model = WebhookSubscription.history.model
    assert not [f.name for f in history_model._meta.fields if "secret" in f.name]
    rows = json.dumps([list(r) for r in history_model.objects.values_list()], default=str)
    rows += json.dumps([list(r) for r in ApiKey.history.model.objects.values_list()], default=str)
    assert subscription.secret not in rows and key.raw.split(".", 1)[1] not in rows
    assert key.key_hash in rows  # the hash is kept: it tells which key it was and is no secret


def test_only_configuration_models_keep_history():
    # members, orders, the ledger and the outbox are written on every order: they must never get history rows
    historical = {m._meta.label for m in apps.get_models() if m.__name__.startswith("Historical")}
    assert historical == {
        "loyalty.HistoricalEarningRule", "loyalty.HistoricalTier", "loyalty.HistoricalProgrammeSettings",
        "loyalty.HistoricalCouponTemplate", "loyalty.HistoricalReward", "campaigns.HistoricalCampaign",
        "campaigns.HistoricalCampaignStep", "campaigns.HistoricalCampaignSettings",
        "campaigns.HistoricalWebhookSubscription", "lifecycle.HistoricalLifecycleStage", "core.HistoricalApiKey",
    }
    assert "loyalty_historicalorder" not in connection.introspection.table_names()
