"""The admin sections of django-axes and django-otp speak Russian too: their app, model, field and help names
(core.third_party_names), and the TOTP device form's sections."""
import pytest
from django.contrib import admin
from django.utils.translation import override

from core.tests.test_admin_russian import names_staff_read, untranslated

THIRD_PARTY_APPS = {"axes", "otp_totp"}


def test_axes_and_totp_names_are_russian():
    # given the admin models of django-axes and django-otp's TOTP plugin
    models = [model for model in admin.site._registry if model._meta.app_label in THIRD_PARTY_APPS]
    assert {model._meta.label for model in models} >= {"axes.AccessAttempt", "otp_totp.TOTPDevice"}
    # then every name staff read there has a Russian translation, the apps' names too
    missing = {where: english for model in models for where, text in names_staff_read(model)
               if not str(text).isdigit() and (english := untranslated(text))}  # TOTP digits: 6 or 8
    missing.update({f"{model._meta.app_label} app": english for model in models
                    if (english := untranslated(model._meta.app_config.verbose_name))})
    assert missing == {}
    with override("ru"):
        assert str(models[0]._meta.app_config.verbose_name) in {"Защита входа", "Двухфакторный вход (TOTP)"}


def test_migrations_see_no_change_in_the_renamed_apps():
    # given the names set at start-up, then the migration state of the apps is what their migrations say
    # (makemigrations compares with translations off, as here)
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.state import ProjectState

    loader = MigrationLoader(None, ignore_no_migrations=True)
    with override(None):
        changes = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps)).changes(
            graph=loader.graph, trim_to_apps={"axes", "otp_totp"})
    assert changes == {}


@pytest.mark.django_db
def test_the_totp_device_form_has_russian_sections(admin_client):
    # when staff open the form to add a TOTP device
    page = admin_client.get("/admin/otp_totp/totpdevice/add/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then its sections and fields are in Russian
    assert "Добавить TOTP-устройство" in page
    assert "Неудачные попытки" in page and "Шаг времени" in page
    assert "Throttling" not in page and "Identity" not in page
