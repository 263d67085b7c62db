"""The admin sections of django-axes speak Russian too (core.third_party_names), and so do the staff
authenticator apps (core.StaffTOTPDevice, our own model)."""
import pytest
from django.contrib import admin
from django.utils.translation import override

from core.tests.test_admin_russian import names_staff_read, untranslated

THIRD_PARTY_APPS = {"axes"}


def test_axes_and_totp_names_are_russian():
    # given the admin models of django-axes and django-otp's TOTP plugin
    models = [model for model in admin.site._registry if model._meta.app_label in THIRD_PARTY_APPS]
    assert {model._meta.label for model in models} >= {"axes.AccessAttempt"}
    # then every name staff read there has a Russian translation, the apps' names too
    missing = {where: english for model in models for where, text in names_staff_read(model)
               if not str(text).isdigit() and (english := untranslated(text))}  # TOTP digits: 6 or 8
    missing.update({f"{model._meta.app_label} app": english for model in models
                    if (english := untranslated(model._meta.app_config.verbose_name))})
    assert missing == {}
    with override("ru"):
        assert str(models[0]._meta.app_config.verbose_name) == "Защита входа"


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
            graph=loader.graph, trim_to_apps={"axes"})
    assert changes == {}


@pytest.mark.django_db
def test_the_authenticator_apps_page_is_russian(admin_client, django_user_model):
    from core.models import StaffTOTPDevice

    # given another staff user's authenticator app (one of the admin's own would ask the admin for a code)
    StaffTOTPDevice.objects.create(user=django_user_model.objects.create_user("clerk", is_staff=True), name="phone")
    # when staff open the list of authenticator apps
    page = admin_client.get("/admin/core/stafftotpdevice/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then its title and columns are in Russian
    assert "Выбор для просмотра: приложение-аутентификатор" in page and "Неудачных попыток" in page
    assert "TOTP device" not in page and "failed attempts" not in page
