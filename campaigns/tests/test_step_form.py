"""The step form: placeholders listed with a real member's values, a wrong placeholder or template refused on
save (not found at send time), and the sections tagged by the action they belong to."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import CampaignStep
from campaigns.services.message_content import message_context
from campaigns.services.placeholders import PLACEHOLDERS, template_unknown_names
from customers.tests.factories import MemberFactory

from .factories import StepFactory

pytestmark = pytest.mark.django_db


def test_every_placeholder_listed_is_one_the_messages_get_and_the_reverse():
    # given any member; when the message context is built, then it holds exactly the listed placeholders
    assert set(message_context(member=MemberFactory())) | {"channel"} == set(PLACEHOLDERS)


def test_a_misspelt_placeholder_is_a_form_error_naming_it():
    # given a step whose SMS says {{ frist_name }} and whose email asks for member.frist_name
    step = StepFactory.build(sms_template="Привет, {{ frist_name }}!",
                             body_template="{% if points > 100 %}{{ member.frist_name }}{% endif %}")
    step.campaign.save()
    step.campaign = step.campaign
    # when it is validated, then both fields are refused with the names and the list of what exists
    with pytest.raises(ValidationError) as refused:
        step.full_clean()
    errors = refused.value.message_dict
    assert "{{ frist_name }}" in errors["sms_template"][0]
    assert "first_name" in errors["sms_template"][0]
    assert "{{ member.frist_name }}" in errors["body_template"][0]


def test_loops_with_and_filters_over_known_placeholders_pass():
    text = ("{% for product in usual_basket %}{{ product.name }} {{ forloop.counter }}{% empty %}—{% endfor %}"
            "{% with title=offer.title %}{{ title|default:first_name }}{% endwith %}"
            "{% if tier and points > 0 %}{{ member.last_name }}{% endif %}{{ survey_url|default:'ответьте' }}")
    assert template_unknown_names(text) == []
    assert template_unknown_names("{{ unknown|default:nme }}") == ["unknown", "nme"]


def test_every_seeded_campaign_message_uses_known_placeholders_only():
    for step in CampaignStep.objects.all():
        step.full_clean()


def test_a_template_syntax_error_is_a_form_error():
    step = StepFactory.build(body_template="{% if first_name %}no end")
    step.campaign.save()
    step.campaign = step.campaign
    with pytest.raises(ValidationError) as refused:
        step.full_clean()
    assert "body_template" in refused.value.message_dict


def test_the_step_form_lists_placeholders_with_a_real_members_values_and_tags_sections_by_action(admin_client):
    # given a member and a message step
    MemberFactory(first_name="Ольга")
    step = StepFactory()
    # when staff open the campaign
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[step.campaign_id])).content.decode()
    # then the placeholders are listed with what they give for the member
    assert "<code>{{ first_name }}</code>" in page and "<td>Ольга</td>" in page
    assert "SAMPLECODE42" in page
    # and each section says which action it serves (the form script shows only those)
    assert "step-for-message" in page and "step-for-manager_task" in page and "step_form.js" in page
    # and the page links to the audience and dry run
    assert reverse("admin:campaigns_campaign_audience", args=[step.campaign_id]) in page


def test_saving_a_step_with_an_unknown_placeholder_in_admin_shows_the_error_and_keeps_nothing(admin_client):
    # given a campaign
    step = StepFactory()
    campaign = step.campaign
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    form = {"slug": campaign.slug, "name": campaign.name, "trigger": "stage_entered", "stage": campaign.stage_id,
            "holdout_percent": 0, "action_window_days": 7, "steps-TOTAL_FORMS": 1, "steps-INITIAL_FORMS": 1,
            "steps-0-id": step.pk, "steps-0-campaign": campaign.pk, "steps-0-position": 0, "steps-0-day_offset": 1,
            "steps-0-action": "message", "steps-0-channel": "email", "steps-0-subject_template": "Скидка",
            "steps-0-body_template": "Здравствуйте, {{ frist_name }}", "steps-0-offer_valid_days": 14,
            "steps-0-bonus_points": 0, "steps-0-task_due_days": 2, "steps-0-email_product_cards": 0}
    # when staff save it
    response = admin_client.post(url, form)
    # then the form comes back with the error and the step is unchanged
    assert response.status_code == 200
    assert "{{ frist_name }}" in response.content.decode()
    step.refresh_from_db()
    assert step.body_template == "Hello {{ first_name }}"
    # and a correct text saves
    response = admin_client.post(url, {**form, "steps-0-body_template": "Здравствуйте, {{ first_name }}"})
    assert response.status_code == 302
