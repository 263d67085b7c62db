"""The admin speaks Russian first: every name staff read on our models is translated, and every page renders."""
import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import override

OUR_APPS = {"core", "customers", "events", "loyalty", "lifecycle", "segments", "analytics", "campaigns", "journeys",
            "dashboards", "portal", "messaging", "monitoring"}
# Names that read the same in Russian (symbols, platform names, the model's parameter letters).
SAME_IN_RUSSIAN = {"URL", "email", "Email", "iOS", "Android", "SMS", "r", "alpha", "a", "b", "p", "q", "v"}


def our_admin_models():
    return [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def untranslated(text) -> str | None:
    """The English text if it is not marked for translation or has no Russian translation, else None."""
    if not isinstance(text, Promise):
        return f"{text!r} (not marked for translation)"
    with override("en"):
        english = str(text)
    with override("ru"):
        russian = str(text)
    if russian == english and english not in SAME_IN_RUSSIAN:
        return english
    return None


def names_staff_read(model):
    opts = model._meta
    yield f"{opts.label} verbose_name", opts.verbose_name
    yield f"{opts.label} verbose_name_plural", opts.verbose_name_plural
    for field in opts.get_fields():
        if not field.concrete or field.auto_created:
            continue
        yield f"{opts.label}.{field.name}", field.verbose_name
        if field.help_text:
            yield f"{opts.label}.{field.name} help_text", field.help_text
        for value, label in field.flatchoices if field.choices else []:
            yield f"{opts.label}.{field.name} choice {value!r}", label


def test_every_admin_model_field_and_choice_has_a_russian_name():
    # given every model of ours in the admin
    models = our_admin_models()
    assert len(models) > 40
    # then each name, help text and choice label has a Russian translation
    missing = {where: english for model in models for where, text in names_staff_read(model)
               if (english := untranslated(text))}
    assert missing == {}


def test_app_names_are_russian():
    from django.apps import apps

    with override("ru"):
        names = {config.label: str(config.verbose_name) for config in apps.get_app_configs() if config.label in OUR_APPS}
    assert names["loyalty"] == "Программа лояльности"
    assert names["customers"] == "Клиенты"
    assert all(untranslated(config.verbose_name) is None for config in apps.get_app_configs()
               if config.label in OUR_APPS), names


def test_the_check_catches_a_plain_english_name():
    # given a name not marked for translation and one marked but missing from the catalogue
    from django.utils.translation import gettext_lazy

    # then both are reported, and a translated one is not
    assert untranslated("coupon") == "'coupon' (not marked for translation)"
    unknown = "no such phrase in the catalogue"  # a variable, so makemessages does not pick it up
    assert untranslated(gettext_lazy(unknown)) == unknown
    assert untranslated(gettext_lazy("coupon")) is None


@pytest.mark.django_db
def test_every_admin_list_and_add_page_renders_in_russian(admin_client):
    # given a staff user whose browser asks for Russian
    for model in our_admin_models():
        opts = model._meta
        with override("ru"):
            plural = capfirst(str(opts.verbose_name_plural))
            singular = str(opts.verbose_name)
        with override("en"):
            english_plural = capfirst(str(opts.verbose_name_plural))
        # when the list is opened
        page = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                                HTTP_ACCEPT_LANGUAGE="ru")
        # then it renders under its Russian name, not the English one
        assert page.status_code == 200, opts.label
        html = page.content.decode()
        assert f"Выбор для изменения: {singular}" in html or plural in html, opts.label
        assert f"<h1>{english_plural}" not in html and f"Select {singular}" not in html, opts.label
        # and its add page renders too, in Russian, where staff may add
        if admin.site._registry[model].has_add_permission(page.wsgi_request):
            add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), HTTP_ACCEPT_LANGUAGE="ru",
                                   follow=True)  # an add page of its own (an import's upload) is followed to
            assert add.status_code == 200, opts.label
            if not add.redirect_chain:
                assert f"Добавление: {singular}" in add.content.decode(), opts.label


@pytest.mark.django_db
def test_the_admin_index_has_no_english_model_names(admin_client):
    # when staff open the admin's front page in Russian
    html = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then the apps and models are listed by their Russian names
    assert "Программа лояльности" in html and "Правила начисления" in html and "Этапы жизненного цикла" in html
    for model in our_admin_models():
        with override("en"):
            english = capfirst(str(model._meta.verbose_name_plural))
        if english not in SAME_IN_RUSSIAN:
            assert f">{english}</a>" not in html, english


@pytest.mark.django_db
def test_add_and_change_pages_name_the_model_after_a_colon_not_in_the_wrong_case(admin_client):
    # given a campaign (a feminine noun: Django's own «Добавить %s» gave «Добавить кампания»)
    from campaigns.tests.factories import CampaignFactory

    campaign = CampaignFactory()
    # when staff open its add and change pages in Russian
    add = admin_client.get(reverse("admin:campaigns_campaign_add"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    change = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]),
                              HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then the titles read right: «Добавление: кампания», «Изменение: кампания»
    assert "<h1>Добавление: кампания</h1>" in add and "Добавить кампания" not in add
    assert "Изменение: кампания" in change and "Изменить кампания" not in change
