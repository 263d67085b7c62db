"""An attribute's question and its options' labels, in Russian and English, edited on its admin form."""
import pytest
from django.urls import reverse

from customers.models import AttributeDefinition

pytestmark = pytest.mark.django_db


def form(**extra):
    return {"key": "pets", "label": "Какие у вас питомцы?", "type": "choice", "choices": '["cat", "dog"]',
            "multiple": "on", "member_editable": "on", "description": "", **extra}


def test_staff_label_the_options_in_both_languages(admin_client):
    # when staff add a choice attribute with its English question and both languages' option labels
    response = admin_client.post(reverse("admin:customers_attributedefinition_add"), form(
        label_en="Which pets do you have?", options_ru="cat = Кошка\ndog = Собака", options_en="cat = Cat"))
    # then the values stay as they are and the labels are stored per language
    assert response.status_code == 302, response.content.decode()[:3000]
    definition = AttributeDefinition.objects.get(key="pets")
    assert definition.choices == ["cat", "dog"]
    assert definition.translations == {"en": {"label": "Which pets do you have?", "options": {"cat": "Cat"}},
                                       "ru": {"options": {"cat": "Кошка", "dog": "Собака"}}}


def test_a_label_for_a_value_that_is_not_an_option_is_refused(admin_client):
    response = admin_client.post(reverse("admin:customers_attributedefinition_add"), form(options_ru="fish = Рыбки"))
    assert response.status_code == 200
    assert "fish" in str(response.context["adminform"].form.errors["options_ru"])
    assert not AttributeDefinition.objects.exists()
