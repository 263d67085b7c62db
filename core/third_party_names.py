"""Russian names for the admin sections of the third-party apps staff see: django-axes (sign-in lockouts).

django-axes marks its names for translation but its Russian catalogue misses a few. Their words are given here,
translated in our own locale/ru catalogue, and set at start-up (CoreConfig.ready) on the app configs and the
models' fields. Only what the admin reads changes: a field's `_verbose_name` (what migrations record) is left
alone, so `makemigrations` sees nothing new in these apps. (The second factor's devices are our own model,
core.StaffTOTPDevice, named in Russian there.)
"""
from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "axes": _("Sign-in protection"),
}

FIELD_NAMES = {
    # django-axes: the names its Russian catalogue lacks
    "axes.AccessAttempt": {"user_agent": _("User Agent"), "http_accept": _("HTTP Accept")},
    "axes.AccessLog": {"user_agent": _("User Agent"), "http_accept": _("HTTP Accept"),
                       "session_hash": _("Session key hash (sha256)")},
    "axes.AccessFailureLog": {"user_agent": _("User Agent"), "http_accept": _("HTTP Accept")},
}


def third_party_names_install() -> None:
    """Put the names above on the installed apps and models (idempotent; apps not installed are skipped)."""
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    for model_label, names in FIELD_NAMES.items():
        if (model := _model(model_label)) is not None:
            for field_name, verbose_name in names.items():
                model._meta.get_field(field_name).verbose_name = verbose_name


def _model(label: str):
    app_label, model_name = label.split(".")
    if app_label not in apps.app_configs:
        return None
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None
